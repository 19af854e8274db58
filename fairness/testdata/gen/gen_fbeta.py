"""Reference F1 / F-beta values by group from scikit-learn's f1_score and
fbeta_score (pos_label=1, average="binary", zero_division="warn", the
default fairlearn passes on), unweighted and with sample weights.

Writes ../fbeta/sklearn_fbeta.json, read by TestFBetaVersusSklearn.
Run with Debian's scikit-learn 1.2.1 / numpy 1.24.2:

    /usr/bin/python3 fairness/testdata/gen/gen_fbeta.py
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import f1_score, fbeta_score

rng = np.random.default_rng(20261207)
rows = []  # (group, y_true, y_pred, weight)
# a, b: ordinary groups with every confusion cell present.
for g, n, p_true, p_hit in (("a", 300, 0.4, 0.75), ("b", 200, 0.3, 0.55)):
    yt = (rng.random(n) < p_true).astype(int)
    yp = np.where(rng.random(n) < p_hit, yt, 1 - yt)
    for t, p in zip(yt, yp):
        rows.append((g, int(t), int(p)))
# c: only true negatives (TP+FP+FN = 0): F ill-defined both ways.
rows += [("c", 0, 0)] * 7
# d: positives but no positive prediction (precision ill-defined).
rows += [("d", 1, 0)] * 3 + [("d", 0, 0)] * 4
# e: positive predictions but no positive label (recall ill-defined).
rows += [("e", 0, 1)] * 2 + [("e", 0, 0)] * 5
# f: ordinary rows whose weights are all zero (weighted case only).
rows += [("f", 1, 1), ("f", 0, 1), ("f", 1, 0), ("f", 0, 0)]

group = np.array([r[0] for r in rows])
y_true = np.array([r[1] for r in rows])
y_pred = np.array([r[2] for r in rows])
weight = np.round(rng.uniform(0.1, 3.0, len(rows)), 3)
weight[group == "f"] = 0.0

betas = [1.0, 0.5, 2.0, 0.0, 3.7]


def score(beta, yt, yp, w):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if beta == 1.0:
            v = f1_score(yt, yp, sample_weight=w)
        else:
            v = fbeta_score(yt, yp, beta=beta, sample_weight=w)
    msgs = sorted({str(c.message).split(" is ill-defined")[0] + " is ill-defined: " +
                   str(c.message).split("due to no ")[-1].split(" samples")[0]
                   for c in caught if issubclass(c.category, UndefinedMetricWarning)})
    return float(v), msgs


cases = []
for weighted in (False, True):
    for beta in betas:
        by_group = {}
        for g in sorted(set(group)):
            m = group == g
            w = weight[m] if weighted else None
            v, msgs = score(beta, y_true[m], y_pred[m], w)
            by_group[g] = {"value": v, "warnings": msgs}
        ov, omsgs = score(beta, y_true, y_pred, weight if weighted else None)
        cases.append({"beta": beta, "weighted": weighted, "overall": {"value": ov, "warnings": omsgs},
                      "by_group": by_group})

out = {
    "generator": "fairness/testdata/gen/gen_fbeta.py",
    "sklearn": sklearn.__version__,
    "numpy": np.__version__,
    "group": group.tolist(),
    "y_true": y_true.tolist(),
    "y_pred": y_pred.tolist(),
    "sample_weight": weight.tolist(),
    "cases": cases,
}
here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "..", "fbeta", "sklearn_fbeta.json"), "w") as f:
    json.dump(out, f, indent=1)
    f.write("\n")
