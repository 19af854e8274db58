#!/usr/bin/python3
"""Generate xgboost/pruned_cat.{model,case}.json for explain/tree.

A reg:squarederror model (4 trees, depth 3) on one numerical column and one
pandas categorical column (8 categories, partition splits), trained with
tree_method="hist", then pruned in place with XGBoost's documented prune
updater (process_type=update, updater=prune, gamma 2). Pruning turns some
categorical splits into leaves (RegTree::ChangeToLeaf) without resetting
their split type, so the saved file lists those leaves in categories_nodes
with split_type 1 and keeps their category sets; XGBoost predicts with the
model and ignores them. The case file holds XGBoost's margins and
pred_contribs for 12 rows (category codes as numbers, NaN for missing).
Made with a real XGBoost 1.7.4 run (Debian python3-xgboost).

Run from explain/tree:  /usr/bin/python3 testdata/gen/gen_pruned_cat.py
"""
import json
import math
import os

import numpy as np
import pandas as pd
import xgboost as xgb

OUT = os.path.join(os.path.dirname(__file__), "..", "xgboost")

rng = np.random.default_rng(11)
n = 300
c = rng.integers(0, 8, n)
x0 = rng.normal(size=n).astype(np.float32)
effect = np.array([0.0, 2.0, -1.0, 0.5, 3.0, -2.0, 1.0, 0.2])
y = 2.0 * x0 + 0.6 * effect[c] + rng.normal(scale=0.05, size=n)
df = pd.DataFrame({"x0": x0, "c": pd.Categorical(c, categories=list(range(8)))})
d = xgb.DMatrix(df, label=y, enable_categorical=True)
p = {"tree_method": "hist", "max_depth": 3, "eta": 0.5, "max_cat_to_onehot": 1, "seed": 1}
bst = xgb.train(p, d, 4)
bst = xgb.train({**p, "process_type": "update", "updater": "prune", "gamma": 2}, d, 4, xgb_model=bst)
bst.save_model(os.path.join(OUT, "pruned_cat.model.json"))

rows = np.array([[-1.5, 0], [-0.2, 1], [0.0, 2], [0.3, 3], [1.1, 4], [2.0, 5],
                 [-0.7, 6], [0.5, 7], [0.1, np.nan], [np.nan, 4], [0.9, 11], [-0.4, -1]],
                dtype=np.float32)
dr = xgb.DMatrix(rows, feature_names=["x0", "c"], feature_types=["q", "c"], enable_categorical=True)
margins = bst.predict(dr, output_margin=True)
contribs = bst.predict(dr, pred_contribs=True)


def f(a):
    if isinstance(a, (list, tuple, np.ndarray)):
        return [f(v) for v in a]
    v = float(a)
    return None if math.isnan(v) else v


with open(os.path.join(OUT, "pruned_cat.case.json"), "w") as fh:
    json.dump({"rows": f(rows), "margins": f(margins), "contribs": f(contribs)}, fh)
trees = json.load(open(os.path.join(OUT, "pruned_cat.model.json")))["learner"]["gradient_booster"]["model"]["trees"]
for i, t in enumerate(trees):
    print(i, "categorical leaves:", [k for k in t["categories_nodes"] if t["left_children"][k] == -1])
print(margins.tolist())
