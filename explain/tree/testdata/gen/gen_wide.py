#!/usr/bin/python3
"""Generate xgboost/wide.model.json for explain/tree.

A binary:logistic model (5 trees, depth 3) trained on a sparse CSR matrix
with 2^20 columns, as with the hashing trick: num_feature is 1048576 and
the trees split on 14 of them. It checks that predicting a few
rows does not allocate blocks sized by the model's feature count. Made
with a real XGBoost 1.7.4 run (Debian python3-xgboost, python3-scipy).

Run from explain/tree:  /usr/bin/python3 testdata/gen/gen_wide.py
"""
import os

import numpy as np
import scipy.sparse as sp
import xgboost as xgb

OUT = os.path.join(os.path.dirname(__file__), "..", "xgboost")

rng = np.random.default_rng(0)
n, M = 2000, 1 << 20
rows = np.repeat(np.arange(n), 20)
cols = rng.integers(0, 2000, n * 20) * 500
X = sp.csr_matrix((np.ones(n * 20, dtype=np.float32), (rows, cols)), shape=(n, M))
y = (np.asarray(X[:, :M // 2].sum(axis=1)).ravel() > 10).astype(float)
bst = xgb.train({"objective": "binary:logistic", "max_depth": 3, "tree_method": "hist"},
                xgb.DMatrix(X, label=y), 5)
bst.save_model(os.path.join(OUT, "wide.model.json"))
