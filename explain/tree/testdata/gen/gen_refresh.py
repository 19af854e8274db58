#!/usr/bin/python3
"""Generate xgboost/refresh.{model,case}.json for explain/tree.

A reg:squarederror model (2 trees, depth 3, 2 features) updated in place
with XGBoost's documented refresh updater (process_type=update,
updater=refresh, refresh_leaf) on data that reaches only part of each tree
(x0 > 0.5). The nodes no refresh row reaches get sum_hessian 0, internal
nodes included; XGBoost still predicts with the model (pred_contribs gives
NaN). The case file holds XGBoost's margins for four rows. Made with a real
XGBoost 1.7.4 run (Debian python3-xgboost).

Run from explain/tree:  /usr/bin/python3 testdata/gen/gen_refresh.py
"""
import json
import os

import numpy as np
import xgboost as xgb

OUT = os.path.join(os.path.dirname(__file__), "..", "xgboost")

rng = np.random.default_rng(0)
X = rng.normal(size=(200, 2)).astype(np.float32)
y = X[:, 0] + 0.5 * X[:, 1]
bst = xgb.train({"max_depth": 3, "tree_method": "exact", "seed": 0}, xgb.DMatrix(X, label=y), 2)
pos = X[:, 0] > 0.5  # refresh data: only x0 > 0.5
bst = xgb.train({"process_type": "update", "updater": "refresh", "refresh_leaf": True},
                xgb.DMatrix(X[pos], label=y[pos]), 2, xgb_model=bst)
bst.save_model(os.path.join(OUT, "refresh.model.json"))
rows = np.array([[-1.0, 0.0], [0.0, 1.0], [1.0, -1.0], [2.0, 2.0]], dtype=np.float32)
m = bst.predict(xgb.DMatrix(rows), output_margin=True)
with open(os.path.join(OUT, "refresh.case.json"), "w") as fh:
    json.dump({"rows": rows.tolist(), "margins": m.astype(float).tolist()}, fh)
print(m.tolist())
trees = json.load(open(os.path.join(OUT, "refresh.model.json")))["learner"]["gradient_booster"]["model"]["trees"]
print([t["sum_hessian"] for t in trees])
try:
    print("pred_contribs:", bst.predict(xgb.DMatrix(rows), pred_contribs=True).tolist())
except Exception as e:
    print("pred_contribs:", str(e).splitlines()[0])
