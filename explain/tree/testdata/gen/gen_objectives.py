#!/usr/bin/python3
"""Generate one small case per further XGBoost objective for explain/tree.

Each case follows the schema of the shared tree vectors (README.md) without
the interventional parts: margins, predictions, leaf indices and
pred_contribs from a real XGBoost 1.7.4 run (Debian python3-xgboost). They
check the base_score -> margin intercept and the output transform of every
objective the loader accepts beyond the public set.

Run from explain/tree:  /usr/bin/python3 testdata/gen/gen_objectives.py
"""
import json
import math
import os

import numpy as np
import xgboost as xgb

OUT = os.path.join(os.path.dirname(__file__), "..", "vectors")
M = 4
rng = np.random.default_rng(211)
X = rng.normal(size=(400, M)).astype(np.float32)
X[rng.random(400) < 0.15, 1] = np.nan
lin = X[:, 0] - 0.5 * np.nan_to_num(X[:, 1]) + 0.3 * X[:, 2] * X[:, 3]
rows = X[300:316].copy()
rows[3, :] = np.nan
rows[7, :] = np.float32(1e6)
names = [f"f{j}" for j in range(M)]

labels = {
    "reg:logistic": 1 / (1 + np.exp(-lin)),
    "binary:logitraw": (lin + rng.normal(size=400) > 0).astype(np.float32),
    "count:poisson": rng.poisson(np.exp(0.5 * lin)).astype(np.float32),
    "reg:gamma": rng.gamma(2.0, np.exp(0.3 * lin)).astype(np.float32),
    "reg:tweedie": (rng.poisson(np.exp(0.4 * lin)) * rng.gamma(2.0, 1.0, size=400)).astype(np.float32),
    "reg:pseudohubererror": (lin + rng.normal(size=400)).astype(np.float32),
    "reg:absoluteerror": (lin + rng.standard_t(3, size=400)).astype(np.float32),
    "reg:squaredlogerror": np.exp(0.3 * lin).astype(np.float32),
    "rank:pairwise": np.clip(np.round(lin + 1), 0, 3).astype(np.float32),
    "rank:ndcg": np.clip(np.round(lin + 1), 0, 3).astype(np.float32),
}
base_scores = {"reg:logistic": 0.4, "count:poisson": 2.0, "reg:gamma": 1.5}


def f(a):
    if isinstance(a, (list, tuple, np.ndarray)):
        return [f(v) for v in a]
    v = float(a)
    return None if math.isnan(v) else v


for obj, y in labels.items():
    params = {"objective": obj, "max_depth": 3, "eta": 0.3, "tree_method": "hist", "seed": 211}
    if obj in base_scores:
        params["base_score"] = base_scores[obj]
    d = xgb.DMatrix(X[:300], label=y[:300], feature_names=names)
    if obj.startswith("rank:"):
        d.set_group([20] * 15)
    bst = xgb.train(params, d, num_boost_round=6)
    cid = "obj_" + obj.replace(":", "_") + "_local"
    model_file = cid + ".model.json"
    bst.save_model(os.path.join(OUT, model_file))
    lp = json.load(open(os.path.join(OUT, model_file)))["learner"]["learner_model_param"]
    dr = xgb.DMatrix(rows, feature_names=names)
    margin = bst.predict(dr, output_margin=True)
    contribs = bst.predict(dr, pred_contribs=True)
    case = {
        "schema_version": 1, "id": cid, "split": "local", "model_file": model_file,
        "xgboost_version": xgb.__version__, "objective": obj, "base_score": lp["base_score"],
        "base_score_explicit": obj in base_scores, "num_class": 0, "num_trees": 6,
        "train_params": params, "feature_names": names,
        "rows": f(rows), "margin": f(margin), "prediction": f(bst.predict(dr)),
        "leaf_index": [[int(v) for v in r] for r in bst.predict(dr, pred_leaf=True)],
        "contribs": f(contribs),
    }
    with open(os.path.join(OUT, cid + ".case.json"), "w") as fh:
        json.dump(case, fh)
    print(cid, lp["base_score"])
