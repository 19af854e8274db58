#!/usr/bin/python3
"""Generate the XGBoost 1.7.4 cases of testdata/xgbmore for explain/tree.

One tiny model per model kind the loader once refused: binary:hinge,
multi:softmax, survival:cox, survival:aft, a two-target regression (one
tree per target, num_target 2), gblinear boosters (reg:squarederror and
multi:softprob) and a model with zero trees. Each case follows the schema
of vectors/README.md: margins (output_margin), predictions (XGBoost's
transformed output: 0/1 for hinge, the class index for multi:softmax,
exp(margin) for cox and aft), leaf indices, pred_contribs and, where
XGBoost 1.7.4 computes them, pred_interactions (it fails on gblinear).
The gblinear models are written as UBJSON too.

Run from explain/tree:  /usr/bin/python3 testdata/gen/gen_more.py
(Debian bookworm python3-xgboost 1.7.4, python3-numpy.)
"""
import json
import math
import os

import numpy as np
import xgboost as xgb

OUT = os.path.join(os.path.dirname(__file__), "..", "xgbmore")
M = 4
rng = np.random.default_rng(307)
X = rng.normal(size=(300, M)).astype(np.float32)
X[rng.random(300) < 0.15, 1] = np.nan
lin = X[:, 0] - 0.5 * np.nan_to_num(X[:, 1]) + 0.3 * X[:, 2] * X[:, 3]
rows = X[200:214].copy()
rows[3, :] = np.nan
rows[7, :] = np.float32(1e6)
rows[9, 2] = np.float32(-1e6)
names = [f"f{j}" for j in range(M)]


def f(a):
    if isinstance(a, (list, tuple, np.ndarray)):
        return [f(v) for v in a]
    v = float(a)
    return None if math.isnan(v) else v


def dmatrix(y, **kw):
    d = xgb.DMatrix(X[:200], feature_names=names)
    if y is not None:
        d.set_label(y[:200])
    for k, v in kw.items():
        d.set_float_info(k, v[:200])
    return d


def case(cid, params, dtrain, rounds, interactions=True, leaves=True):
    bst = xgb.train(params, dtrain, num_boost_round=rounds)
    model_file = cid + ".model.json"
    bst.save_model(os.path.join(OUT, model_file))
    lp = json.load(open(os.path.join(OUT, model_file)))["learner"]["learner_model_param"]
    dr = xgb.DMatrix(rows, feature_names=names)
    c = {
        "schema_version": 1, "id": cid, "split": "local", "model_file": model_file,
        "xgboost_version": xgb.__version__, "objective": params.get("objective", "reg:squarederror"),
        "booster": params.get("booster", "gbtree"), "base_score": lp["base_score"],
        "num_class": int(lp["num_class"]), "num_target": int(lp["num_target"]),
        "num_trees": len(bst.get_dump()) if params.get("booster") != "gblinear" else 0,
        "train_params": params, "feature_names": names, "rows": f(rows),
        "margin": f(bst.predict(dr, output_margin=True)),
        "prediction": f(bst.predict(dr)),
        "contribs": f(bst.predict(dr, pred_contribs=True)),
    }
    if params.get("booster") == "gblinear":
        # The same model as UBJSON: the loader must read its weights alike.
        c["model_file_ubj"] = cid + ".model.ubj"
        bst.save_model(os.path.join(OUT, c["model_file_ubj"]))
    if leaves:
        c["leaf_index"] = [[int(v) for v in r] for r in bst.predict(dr, pred_leaf=True)]
    if interactions:
        c["interactions"] = f(bst.predict(dr, pred_interactions=True))
    with open(os.path.join(OUT, cid + ".case.json"), "w") as fh:
        json.dump(c, fh)
    print(cid, lp)


tree = {"max_depth": 3, "eta": 0.3, "tree_method": "hist", "seed": 307}
y01 = (lin + rng.normal(size=300) > 0).astype(np.float32)
case("hinge", {**tree, "objective": "binary:hinge"}, dmatrix(y01), 6)
y3 = np.digitize(lin + 0.5 * rng.normal(size=300), [-0.5, 0.5]).astype(np.float32)
case("softmax", {**tree, "objective": "multi:softmax", "num_class": 3}, dmatrix(y3), 4)
t = np.exp(-0.5 * lin) * rng.exponential(size=300)
cens = rng.random(300) < 0.3
case("cox", {**tree, "objective": "survival:cox"}, dmatrix(np.where(cens, -t, t).astype(np.float32)), 6)
lo = t.astype(np.float32)
hi = np.where(cens, np.inf, t).astype(np.float32)
case("aft", {**tree, "objective": "survival:aft", "aft_loss_distribution": "normal",
             "aft_loss_distribution_scale": 1.2, "base_score": 2.0},
     dmatrix(None, label_lower_bound=lo, label_upper_bound=hi), 6)
y2 = np.stack([lin, np.nan_to_num(X[:, 1]) * X[:, 3]], axis=1).astype(np.float32)
case("two_target", {**tree, "objective": "reg:squarederror"}, dmatrix(y2), 4)
case("zero_trees", {**tree, "objective": "binary:logistic", "base_score": 0.3}, dmatrix(y01), 0, leaves=False)
lin_p = {"booster": "gblinear", "eta": 0.5, "lambda": 0.1, "seed": 307, "nthread": 1}  # shotgun is not deterministic with threads
case("gblinear", {**lin_p, "objective": "reg:squarederror", "base_score": 0.25},
     dmatrix(lin.astype(np.float32)), 5, interactions=False, leaves=False)
case("gblinear_softprob", {**lin_p, "objective": "multi:softprob", "num_class": 3},
     dmatrix(y3), 5, interactions=False, leaves=False)
