#!/usr/bin/python3
"""Generate a multi-class (multi:softprob) test case for explain/tree.

The public vectors in /work/shared/testdata/tree cover regression and binary
logistic models; this script adds a local multi-class case in the same
schema (README.md of that folder), produced by a real XGBoost 1.7.4 run
(Debian bookworm python3-xgboost), so the K-group code paths are checked
against XGBoost itself. Interventional values are brute force over all 2^M
subsets, with v(S) from booster.predict on hybrid rows.

Run from explain/tree:  /usr/bin/python3 testdata/gen/gen_multiclass.py
"""
import itertools
import json
import math
import os

import numpy as np
import xgboost as xgb

OUT = os.path.join(os.path.dirname(__file__), "..", "vectors")
ID = "multi_softprob_t24_d3_f6_local"
M, K, ROUNDS, DEPTH = 6, 3, 8, 3

rng = np.random.default_rng(107)
n_train, n_rows, n_bg = 600, 16, 10
X = rng.normal(size=(n_train + n_rows + n_bg, M)).astype(np.float32)
X[:, 2] = rng.integers(0, 5, size=X.shape[0]).astype(np.float32)
X[rng.random(X.shape[0]) < 0.2, 1] = np.nan
X[rng.random(X.shape[0]) < 0.1, 4] = np.nan
score = np.stack([X[:, 0] + 0.5 * X[:, 2], np.nan_to_num(X[:, 1], nan=1.5) - X[:, 3], X[:, 4] * X[:, 5]], axis=1)
score = np.nan_to_num(score, nan=0.5)
y = np.argmax(score + rng.normal(scale=0.7, size=score.shape), axis=1)

names = [f"f{j:02d}" for j in range(M)]
types = ["float", "float", "int", "float", "float", "float"]
dtrain = xgb.DMatrix(X[:n_train], label=y[:n_train], feature_names=names, feature_types=types)
params = {"objective": "multi:softprob", "num_class": K, "max_depth": DEPTH, "eta": 0.3,
          "tree_method": "hist", "seed": 107}
bst = xgb.train(params, dtrain, num_boost_round=ROUNDS)
model_file = ID + ".model.json"
bst.save_model(os.path.join(OUT, model_file))

rows = X[n_train:n_train + n_rows].copy()
rows[3, :] = np.nan
rows[7, :] = np.array([1e6, -1e6, 1e6, -1e6, 1e6, -1e6], dtype=np.float32)
bg = X[n_train + n_rows:]


def dm(a):
    return xgb.DMatrix(a, feature_names=names, feature_types=types)


margin = bst.predict(dm(rows), output_margin=True)
prediction = bst.predict(dm(rows))
leaf = bst.predict(dm(rows), pred_leaf=True)
contribs = bst.predict(dm(rows), pred_contribs=True)
inter = bst.predict(dm(rows), pred_interactions=True)


def shapley(v):
    """v: dict frozenset->array; exact Shapley values over M players."""
    phi = np.zeros((M,) + np.shape(v[frozenset()]))
    for i in range(M):
        others = [j for j in range(M) if j != i]
        for s in range(M):
            w = math.factorial(s) * math.factorial(M - s - 1) / math.factorial(M)
            for S in itertools.combinations(others, s):
                S = frozenset(S)
                phi[i] += w * (v[S | {i}] - v[S])
    return phi


def softmax(m):
    e = np.exp(m - m.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


subsets = [frozenset(S) for s in range(M + 1) for S in itertools.combinations(range(M), s)]
iv_margin, iv_prob = [], []
bg_margin = bst.predict(dm(bg), output_margin=True).astype(np.float64)
for x in rows:
    hyb = []
    for S in subsets:
        z = bg.copy()
        for j in S:
            z[:, j] = x[j]
        hyb.append(z)
    mm = bst.predict(dm(np.concatenate(hyb)), output_margin=True).astype(np.float64)
    mm = mm.reshape(len(subsets), len(bg), K)
    vm = {S: mm[k].mean(axis=0) for k, S in enumerate(subsets)}
    vp = {S: softmax(mm[k]).mean(axis=0) for k, S in enumerate(subsets)}
    pm, pp = shapley(vm), shapley(vp)  # [M][K]
    iv_margin.append([list(pm[:, k]) + [vm[frozenset()][k]] for k in range(K)])
    iv_prob.append([list(pp[:, k]) + [vp[frozenset()][k]] for k in range(K)])


def f(a):
    """NaN -> None, numpy -> lists of Python floats."""
    if isinstance(a, (list, tuple, np.ndarray)):
        return [f(v) for v in a]
    v = float(a)
    return None if math.isnan(v) else v


lp = json.load(open(os.path.join(OUT, model_file)))["learner"]["learner_model_param"]
case = {
    "schema_version": 1, "id": ID, "split": "local", "model_letter": "d-local",
    "model_file": model_file, "xgboost_version": xgb.__version__,
    "objective": "multi:softprob", "base_score": lp["base_score"],
    "base_score_value": float(np.float32(lp["base_score"])), "base_margin": float(np.float32(lp["base_score"])),
    "base_score_explicit": False, "num_class": K, "num_trees": ROUNDS * K, "num_boost_rounds": ROUNDS,
    "num_deleted_nodes": 0, "train_params": params, "feature_names": names, "feature_types": types,
    "integer_features": [2],
    "generator": {"script": "explain/tree/testdata/gen/gen_multiclass.py", "seed": 107},
    "rows": f(rows), "margin": f(margin), "prediction": f(prediction),
    "leaf_index": [[int(v) for v in r] for r in leaf],
    "contribs": f(contribs), "interactions": f(inter),
    "interventional": {"background": f(bg), "contribs": f(iv_margin),
                       "expected_margin": f(bg_margin.mean(axis=0))},
    "interventional_probability": {"background": "same as interventional.background",
                                   "contribs": f(iv_prob),
                                   "expected_prediction": f(softmax(bg_margin).mean(axis=0))},
}
with open(os.path.join(OUT, ID + ".case.json"), "w") as fh:
    json.dump(case, fh)
print("wrote", ID, "shapes", np.shape(margin), np.shape(contribs), np.shape(inter), np.shape(leaf))
