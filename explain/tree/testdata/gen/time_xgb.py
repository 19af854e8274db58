#!/usr/bin/python3
"""Time XGBoost's own predictors on the benchmark model, side by side with
`go test -bench . -benchmem -run '^$' ./explain/tree/` (same model, same
1,000 rows: the case's 50 rows tiled, as bench_test.go does). Reports wall
and per-process CPU time, best of several repeats, with nthread=1.

Run from explain/tree:  /usr/bin/python3 testdata/gen/time_xgb.py
"""
import json
import os
import time

import numpy as np
import xgboost as xgb

VEC = os.path.join(os.path.dirname(__file__), "..", "vectors")
case = json.load(open(os.path.join(VEC, "bin_logistic_t100_d6_f12_s103.case.json")))
bst = xgb.Booster(model_file=os.path.join(VEC, case["model_file"]))
bst.set_param({"nthread": 1})
rows = np.array([[np.nan if v is None else v for v in r] for r in case["rows"]], dtype=np.float32)
x = np.tile(rows, (20, 1))
d = xgb.DMatrix(x, feature_names=case["feature_names"])


def best(f, reps):
    wall, cpu = [], []
    for _ in range(reps):
        w0, c0 = time.perf_counter(), time.process_time()
        f()
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    return min(wall) * 1e3, min(cpu) * 1e3


for name, f, reps in [
    ("pred_contribs", lambda: bst.predict(d, pred_contribs=True), 5),
    # inplace_predict: Booster.predict on a DMatrix caches its result.
    ("inplace_predict margin", lambda: bst.inplace_predict(x, predict_type="margin"), 50),
    ("pred_interactions (100 rows)", lambda: bst.predict(xgb.DMatrix(x[:100], feature_names=case["feature_names"]), pred_interactions=True), 3),
]:
    w, c = best(f, reps)
    print(f"{name:32s} wall {w:9.2f} ms   cpu {c:9.2f} ms   (1,000 rows unless noted, nthread=1)")
