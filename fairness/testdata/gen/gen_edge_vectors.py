"""Generate extra edge-case vectors for aimskit/fairness with real fairlearn.

Writes fairness/testdata/vectors/local_edge_*.json in the schema of the
shared reference vectors (see testdata/vectors/README.md). Every expected
value comes from fairlearn 0.12 / scikit-learn; counts, `defined` flags and
the AIF360-style block are computed with numpy as the README describes.

Run (Debian bookworm packages, fairlearn v0.12.0 source unpacked at $PEERS):

    apt-get install -y python3-sklearn python3-pandas python3-scipy python3-numpy
    PYTHONPATH=$PEERS python3 fairness/testdata/gen/gen_edge_vectors.py
"""

import json
import math
import os
import sys

import numpy as np
import pandas as pd
import sklearn
import sklearn.metrics as skm

import fairlearn
from fairlearn.metrics import (
    MetricFrame,
    count,
    demographic_parity_difference,
    demographic_parity_ratio,
    equal_opportunity_difference,
    equal_opportunity_ratio,
    equalized_odds_difference,
    equalized_odds_ratio,
    false_negative_rate,
    false_positive_rate,
    mean_prediction,
    selection_rate,
    true_negative_rate,
    true_positive_rate,
)

OUT = os.path.join(os.path.dirname(__file__), "..", "vectors")

METRICS = {
    "selection_rate": selection_rate,
    "true_positive_rate": true_positive_rate,
    "false_positive_rate": false_positive_rate,
    "false_negative_rate": false_negative_rate,
    "true_negative_rate": true_negative_rate,
    "accuracy": skm.accuracy_score,
    "precision": lambda y, p, sample_weight=None: skm.precision_score(y, p, sample_weight=sample_weight, zero_division=0),
    "balanced_accuracy": skm.balanced_accuracy_score,
    "mean_prediction": mean_prediction,
    "count": count,
    # Score metrics: these MetricFrames get y_score as y_pred.
    "brier_score": lambda y, p, sample_weight=None: skm.brier_score_loss(y, p, sample_weight=sample_weight),
    "mean_score": mean_prediction,
}
SCORE_METRICS = {"brier_score", "mean_score"}


def num(x):
    if x is None:
        return None
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    return x


def err(e):
    return f"{type(e).__name__}: {e}"


def make_data(seed, n, edits):
    rng = np.random.default_rng(seed)
    sex = rng.choice(["F", "M"], n, p=[0.45, 0.55])
    race = rng.choice(["A", "B", "C"], n, p=[0.6, 0.25, 0.15])
    age = rng.choice(["<30", "30-50", ">50"], n, p=[0.3, 0.45, 0.25])
    p_true = np.where(sex == "F", 0.35, 0.5) + np.select([race == "A", race == "B"], [0.05, -0.05], -0.1)
    y_true = (rng.random(n) < p_true).astype(int)
    z = (2 * y_true - 1) + np.where(sex == "F", -0.25, 0.15) + rng.normal(0, 1.2, n)
    y_score = np.round(1 / (1 + np.exp(-z)), 4)
    w = np.round(rng.uniform(0.25, 3.0, n), 3)
    for e in edits:
        mask = {"sex": sex, "race": race}[e["feature"]] == e["value"]
        if e["kind"] == "zero_weight_group":
            w[mask] = 0.0
        elif e["kind"] == "zero_weight_positives":
            w[mask & (y_true == 1)] = 0.0
        elif e["kind"] == "all_positive_group":
            y_true[mask] = 1
            y_score[mask] = np.maximum(y_score[mask], 0.5)
        elif e["kind"] == "no_predicted_positive_group":
            y_score[mask] = np.minimum(y_score[mask], 0.4999)
    y_pred = (y_score >= 0.5).astype(int)
    return dict(sex=sex, race=race, age_band=age, y_true=y_true, y_pred=y_pred, y_score=y_score, w=w)


def key_dict(names, key):
    if not isinstance(key, tuple):
        key = (key,)
    return {n: str(k) for n, k in zip(names, key)}


def evaluation(D, sens, ctrl, weighted):
    sf = pd.DataFrame({s: D[s] for s in sens})
    cf = pd.DataFrame({c: D[c] for c in ctrl}) if ctrl else None
    w = D["w"] if weighted else None
    yt, yp = D["y_true"], D["y_pred"]
    ev = {"id": "+".join(sens) + ("|" + "+".join(ctrl) if ctrl else "") + ("/weighted" if weighted else "/unweighted"),
          "sensitive_features": sens, "control_features": ctrl, "weighted": weighted}
    frames, errors = {}, {}
    for name, fn in METRICS.items():
        sp = {"sample_weight": w} if (weighted and name != "count") else None
        try:
            frames[name] = MetricFrame(metrics={name: fn}, y_true=yt,
                                       y_pred=D["y_score"] if name in SCORE_METRICS else yp, sensitive_features=sf,
                                       control_features=cf, sample_params={name: sp} if sp else None)
        except Exception as e:  # noqa: BLE001 - the error text is the expected value
            errors[name] = err(e)
    names = list(ctrl) + list(sens)
    mf = {"metrics": list(METRICS), "metric_errors": errors}

    def agg(get):
        if not ctrl:
            return {m: num(get(f)[m]) for m, f in frames.items()}
        out = {}
        for m, f in frames.items():
            s = get(f)[m]
            for k, v in s.items():
                out.setdefault(k, {})[m] = num(v)
        return [{"control": key_dict(ctrl, k), "values": v} for k, v in out.items()]

    mf["overall"] = agg(lambda f: f.overall)
    mf["group_min"] = agg(lambda f: f.group_min())
    mf["group_max"] = agg(lambda f: f.group_max())
    mf["difference"] = {meth: agg(lambda f, meth=meth: f.difference(method=meth)) for meth in ["between_groups", "to_overall"]}
    mf["ratio"] = {meth: agg(lambda f, meth=meth: f.ratio(method=meth)) for meth in ["between_groups", "to_overall"]}
    rows = {}
    for m, f in frames.items():
        for k, v in f.by_group[m].items():
            rows.setdefault(k, {})[m] = num(v)
    by_group = []
    for k, vals in rows.items():
        kd = key_dict(names, k)
        mask = np.ones(len(yt), bool)
        for n_, v in kd.items():
            mask &= D[n_].astype(str) == v
        ww = D["w"][mask] if weighted else np.ones(mask.sum())
        t, p = yt[mask], yp[mask]
        tp, fp = ww[(t == 1) & (p == 1)].sum(), ww[(t == 0) & (p == 1)].sum()
        fn, tn = ww[(t == 1) & (p == 0)].sum(), ww[(t == 0) & (p == 0)].sum()
        entry = {"group": {s: kd[s] for s in sens}, "values": vals,
                 "defined": {"selection_rate": bool(ww.sum() > 0), "true_positive_rate": bool(tp + fn > 0),
                             "false_negative_rate": bool(tp + fn > 0), "false_positive_rate": bool(fp + tn > 0),
                             "true_negative_rate": bool(fp + tn > 0), "accuracy": bool(ww.sum() > 0),
                             "precision": bool(tp + fp > 0)},
                 "counts": {"n": int(mask.sum()), "weight_sum": float(ww.sum()), "tp": float(tp), "fp": float(fp),
                            "fn": float(fn), "tn": float(tn), "positives": float(tp + fn),
                            "negatives": float(fp + tn), "predicted_positives": float(tp + fp)}}
        if ctrl:
            entry["control"] = {c: kd[c] for c in ctrl}
        by_group.append(entry)
    mf["by_group"] = by_group
    ev["metric_frame"] = mf
    try:
        rf = MetricFrame(metrics=skm.roc_auc_score, y_true=yt, y_pred=D["y_score"], sensitive_features=sf,
                         control_features=cf, sample_params={"sample_weight": w} if weighted else None)
        ev["roc_auc"] = {"overall": None if ctrl else num(rf.overall),
                         "by_group": [{"key": key_dict(names, k), "value": num(v)} for k, v in rf.by_group.items()]}
    except Exception as e:  # noqa: BLE001
        ev["roc_auc"] = {"error": err(e)}
    if ctrl:
        return ev
    if not weighted:
        from sklearn.calibration import calibration_curve

        def calib(mask):
            t, sc = yt[mask], D["y_score"][mask]
            prob_true, prob_pred = calibration_curve(t, sc, n_bins=10, strategy="uniform")
            bins = np.linspace(0.0, 1.0, 11)
            counts = np.bincount(np.searchsorted(bins[1:-1], sc), minlength=10)
            counts = counts[counts > 0]
            ece = float(np.sum(counts / mask.sum() * np.abs(prob_true - prob_pred)))
            return {"prob_true": prob_true.tolist(), "prob_pred": prob_pred.tolist(),
                    "counts": counts.tolist(), "ece": ece}

        cal = {"n_bins": 10, "computed_by": "sklearn.calibration.calibration_curve; ece by own numpy",
               "overall": calib(np.ones(len(yt), bool)), "by_group": []}
        for k in rows:
            kd = key_dict(names, k)
            mask = np.ones(len(yt), bool)
            for n_, v in kd.items():
                mask &= D[n_].astype(str) == v
            if mask.sum() > 0:
                cal["by_group"].append(dict(group=kd, **calib(mask)))
        ev["calibration"] = cal
    kw = {"sensitive_features": sf, "sample_weight": w}
    ff = {}
    for name, fn in [("demographic_parity_difference", demographic_parity_difference),
                     ("demographic_parity_ratio", demographic_parity_ratio),
                     ("equal_opportunity_difference", equal_opportunity_difference),
                     ("equal_opportunity_ratio", equal_opportunity_ratio)]:
        ff[name] = {m: num(fn(yt, yp, method=m, **kw)) for m in ["between_groups", "to_overall"]}
    for name, fn in [("equalized_odds_difference", equalized_odds_difference),
                     ("equalized_odds_ratio", equalized_odds_ratio)]:
        ff[name] = {a: {m: num(fn(yt, yp, method=m, agg=a, **kw)) for m in ["between_groups", "to_overall"]}
                    for a in ["worst_case", "mean"]}
    ev["fairness_functions"] = ff
    priv = {s: {"sex": "M", "race": "A"}[s] for s in sens if s in ("sex", "race")}
    if not priv:
        return ev
    mask = np.ones(len(yt), bool)
    for s, v in priv.items():
        mask &= D[s] == v
    ww = D["w"] if weighted else np.ones(len(yt))
    with np.errstate(all="ignore"):
        def rates(m):
            t, p, x = yt[m], yp[m], ww[m]
            sr = x[p == 1].sum() / x.sum()
            tpr = x[(t == 1) & (p == 1)].sum() / x[t == 1].sum()
            fpr = x[(t == 0) & (p == 1)].sum() / x[t == 0].sum()
            return np.float64(sr), np.float64(tpr), np.float64(fpr)
        sp_, tp_, fp_ = rates(mask)
        su, tu, fu = rates(~mask)
        ev["aif360_style"] = {"privileged": priv, "n_privileged": int(mask.sum()), "n_unprivileged": int((~mask).sum()),
                              "selection_rate_privileged": num(sp_), "selection_rate_unprivileged": num(su),
                              "disparate_impact": num(su / sp_), "statistical_parity_difference": num(su - sp_),
                              "tpr_privileged": num(tp_), "tpr_unprivileged": num(tu),
                              "fpr_privileged": num(fp_), "fpr_unprivileged": num(fu),
                              "equal_opportunity_difference": num(tu - tp_),
                              "average_odds_difference": num(0.5 * ((fu - fp_) + (tu - tp_)))}
    return ev


def write_case(case_id, seed, n, edits, evals, tags):
    D = make_data(seed, n, edits)
    doc = {"schema_version": 1, "case_id": case_id, "tags": tags,
           "generator": {"script": "fairness/testdata/gen/gen_edge_vectors.py", "numpy_seed": seed, "n": n, "edits": edits},
           "peer": {"library": "fairlearn", "fairlearn_version_string": fairlearn.__version__,
                    "scikit_learn": sklearn.__version__, "pandas": pd.__version__, "numpy": np.__version__,
                    "python": sys.version.split()[0]},
           "data": {"n": n, "pos_label": 1, "y_true": D["y_true"].tolist(), "y_pred": D["y_pred"].tolist(),
                    "y_score": D["y_score"].tolist(), "sample_weight": D["w"].tolist(),
                    "sensitive_features": {"sex": D["sex"].tolist(), "race": D["race"].tolist(),
                                           "age_band": D["age_band"].tolist()},
                    "control_features": {"age_band": D["age_band"].tolist(), "race": D["race"].tolist()},
                    "levels": {k: sorted(set(D[k].tolist())) for k in ["sex", "race", "age_band"]}},
           "evaluations": [evaluation(D, *e) for e in evals]}
    with open(os.path.join(OUT, case_id + ".json"), "w") as f:
        json.dump(doc, f, separators=(",", ":"))


EVALS = [(["sex"], [], False), (["sex"], [], True), (["race"], [], True), (["sex", "race"], [], False),
         (["sex", "race"], [], True), (["sex"], ["age_band"], True), (["sex", "race"], ["age_band"], False),
         (["sex", "race", "age_band"], [], True), (["sex"], ["race", "age_band"], True)]
write_case("local_edge_zero_weight_group", 7301, 300, [{"kind": "zero_weight_group", "feature": "race", "value": "C"}],
           EVALS, ["edge", "zero_weight"])
write_case("local_edge_all_positive_group", 7302, 300, [{"kind": "all_positive_group", "feature": "race", "value": "B"}],
           EVALS, ["edge", "single_class"])
write_case("local_edge_zero_weight_positives", 7304, 400,
           [{"kind": "zero_weight_positives", "feature": "race", "value": "B"}], EVALS, ["edge", "zero_weight"])
write_case("local_edge_no_predicted_positive", 7303, 300,
           [{"kind": "no_predicted_positive_group", "feature": "race", "value": "C"}], EVALS, ["edge", "zero_selection"])
