"""Run fairlearn 0.12 ThresholdOptimizer (prefit, predict_proba) on a biased synthetic
score and record its expected training accuracy and per-group rates, written to
../thresholds/fairlearn_threshold_optimizer.json. Run like gen_edge_vectors.py."""
import json, numpy as np, warnings
warnings.filterwarnings("ignore")
from sklearn.base import BaseEstimator, ClassifierMixin
from fairlearn.postprocessing import ThresholdOptimizer
rng=np.random.default_rng(5)
n=5000
g=np.where(rng.integers(0,3,n)==0,"B","A")
base=np.where(g=="B",0.3,0.5); shift=np.where(g=="B",-0.6,0.3)
y=(rng.random(n)<base).astype(int)
z=shift+1.3*(2*y-1)+rng.normal(0,1,n)
s=np.round(1/(1+np.exp(-z)),4)
class Fixed(BaseEstimator, ClassifierMixin):
    def fit(self,X,y): self.classes_=np.array([0,1]); return self
    def predict(self,X): return (X[:,0]>=0.5).astype(int)
    def predict_proba(self,X): return np.c_[1-X[:,0],X[:,0]]
X=s.reshape(-1,1)
out={"g":g.tolist(),"y":y.tolist(),"s":s.tolist()}
for c in ["demographic_parity","equalized_odds"]:
    to=ThresholdOptimizer(estimator=Fixed().fit(X,y),constraints=c,prefit=True,predict_method="predict_proba")
    to.fit(X,y,sensitive_features=g)
    p=to._pmf_predict(X,sensitive_features=g)[:,1]
    acc=float(np.mean(np.where(y==1,p,1-p)))
    sr={k: float(p[g==k].mean()) for k in ["A","B"]}
    tpr={k: float(p[(g==k)&(y==1)].mean()) for k in ["A","B"]}
    fpr={k: float(p[(g==k)&(y==0)].mean()) for k in ["A","B"]}
    out[c]={"acc":acc,"sr":sr,"tpr":tpr,"fpr":fpr}
    print(c, acc, sr, tpr, fpr)
import os, fairlearn, sklearn
out["peer"]={"fairlearn": fairlearn.__version__, "scikit_learn": sklearn.__version__, "numpy": np.__version__, "seed": 5}
json.dump(out,open(os.path.join(os.path.dirname(os.path.abspath(__file__)),"..","thresholds","fairlearn_threshold_optimizer.json"),"w"),separators=(",",":"))
