#!/usr/bin/python3
"""Generate the dart and categorical-split cases for explain/tree.

dart_local: a binary:logistic `dart` booster (rate_drop 0.3, so the saved
weight_drop values differ from 1), 8 trees, depth 3, 4 features with NaNs.
cat_local: reg:squarederror gbtree with one pandas categorical column (8
categories, partition splits: max_cat_to_onehot 1) and one one-hot-style
categorical column (3 categories), trained with enable_categorical=True,
tree_method="hist". Rows include NaN, unseen and negative categories.

Both follow the schema of the shared tree vectors (README.md) without the
interventional parts: margins, predictions, leaf indices and pred_contribs
from a real XGBoost 1.7.4 run (Debian python3-xgboost).

Run from explain/tree:  /usr/bin/python3 testdata/gen/gen_dart_cat.py
"""
import json
import math
import os

import numpy as np
import pandas as pd
import xgboost as xgb

OUT = os.path.join(os.path.dirname(__file__), "..", "vectors")


def f(a):
    if isinstance(a, (list, tuple, np.ndarray)):
        return [f(v) for v in a]
    v = float(a)
    return None if math.isnan(v) else v


def write_case(cid, bst, params, dr, rows, names, obj, ntrees):
    model_file = cid + ".model.json"
    bst.save_model(os.path.join(OUT, model_file))
    lp = json.load(open(os.path.join(OUT, model_file)))["learner"]["learner_model_param"]
    case = {
        "schema_version": 1, "id": cid, "split": "local", "model_file": model_file,
        "xgboost_version": xgb.__version__, "objective": obj, "base_score": lp["base_score"],
        "num_class": 0, "num_trees": ntrees,
        "train_params": params, "feature_names": names,
        "rows": f(rows), "margin": f(bst.predict(dr, output_margin=True)),
        "prediction": f(bst.predict(dr)),
        "leaf_index": [[int(v) for v in r] for r in bst.predict(dr, pred_leaf=True)],
        "contribs": f(bst.predict(dr, pred_contribs=True)),
    }
    with open(os.path.join(OUT, cid + ".case.json"), "w") as fh:
        json.dump(case, fh)
    print(cid, lp["base_score"])


# dart
M = 4
rng = np.random.default_rng(307)
X = rng.normal(size=(400, M)).astype(np.float32)
X[rng.random(400) < 0.15, 1] = np.nan
lin = X[:, 0] - 0.5 * np.nan_to_num(X[:, 1]) + 0.3 * X[:, 2] * X[:, 3]
y = (lin + rng.normal(size=400) > 0).astype(np.float32)
rows = X[300:316].copy()
rows[3, :] = np.nan
rows[7, :] = np.float32(1e6)
names = [f"f{j}" for j in range(M)]
params = {"booster": "dart", "objective": "binary:logistic", "max_depth": 3, "eta": 0.3,
          "rate_drop": 0.3, "skip_drop": 0.0, "tree_method": "hist", "seed": 307}
bst = xgb.train(params, xgb.DMatrix(X[:300], label=y[:300], feature_names=names), num_boost_round=8)
write_case("dart_local", bst, params, xgb.DMatrix(rows, feature_names=names), rows, names, "binary:logistic", 8)

# categorical
n = 600
rng = np.random.default_rng(401)
c8 = rng.integers(0, 8, size=n)
c3 = rng.integers(0, 3, size=n)
x0 = rng.normal(size=n).astype(np.float32)
effect8 = np.array([1.5, -1.0, 0.3, 2.0, -2.0, 0.0, 1.0, -0.5])
yv = (effect8[c8] + np.array([0.0, 1.0, -1.0])[c3] + 0.5 * x0 + 0.2 * rng.normal(size=n)).astype(np.float32)
df = pd.DataFrame({
    "x0": x0,
    "c8": pd.Categorical(c8, categories=list(range(8))),
    "c3": pd.Categorical(c3, categories=list(range(3))),
})
df.loc[rng.random(n) < 0.1, "c8"] = np.nan
params = {"objective": "reg:squarederror", "max_depth": 3, "eta": 0.3, "tree_method": "hist",
          "max_cat_to_onehot": 4, "seed": 401}
dtrain = xgb.DMatrix(df.iloc[:500], label=yv[:500], enable_categorical=True)
bst = xgb.train(params, dtrain, num_boost_round=8)
rows = df.iloc[500:520].copy()
dr = xgb.DMatrix(rows, enable_categorical=True)
# Category codes as the numeric rows the Go side sees (NaN = missing).
rownum = np.column_stack([
    rows["x0"].to_numpy(np.float64),
    rows["c8"].cat.codes.to_numpy().astype(np.float64),
    rows["c3"].cat.codes.to_numpy().astype(np.float64),
])
rownum[rownum[:, 1] < 0, 1] = np.nan
rownum[rownum[:, 2] < 0, 2] = np.nan
write_case("cat_local", bst, params, dr, rownum, ["x0", "c8", "c3"], "reg:squarederror", 8)

# The same categorical model on numeric rows with values pandas cannot
# produce: unseen, negative, fractional and out-of-range (>= 2^24)
# categories. XGBoost sends them left unless their truncated value is in the
# node's set. (XGBoost refuses ±Inf in a DMatrix, so there is none here.)
odd = np.array([
    [0.1, 9, 5], [0.1, -1, -2], [0.1, 2.7, 1.5], [0.1, 3e7, 1e9], [-0.3, -0.5, 0.99],
    [0.5, 7.999, 2.0001], [0.2, 16777216, 16777215], [1.0, np.nan, 0], [0.0, 4, np.nan],
    [0.0, -0.0, -0.0], [2.0, 8, 3], [-1.0, 1, 2],
], dtype=np.float32)
do = xgb.DMatrix(odd, feature_names=["x0", "c8", "c3"], feature_types=["q", "c", "c"], enable_categorical=True)
case = {
    "schema_version": 1, "id": "cat_odd_local", "split": "local", "model_file": "cat_local.model.json",
    "xgboost_version": xgb.__version__, "objective": "reg:squarederror", "num_class": 0, "num_trees": 8,
    "train_params": params, "feature_names": ["x0", "c8", "c3"],
    "rows": f(odd), "margin": f(bst.predict(do, output_margin=True)), "prediction": f(bst.predict(do)),
    "leaf_index": [[int(v) for v in r] for r in bst.predict(do, pred_leaf=True)],
    "contribs": f(bst.predict(do, pred_contribs=True)),
}
with open(os.path.join(OUT, "cat_odd_local.case.json"), "w") as fh:
    json.dump(case, fh)
print("cat_odd_local")
