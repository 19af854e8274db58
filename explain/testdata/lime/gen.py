"""Reference values for explain's LIME tests (lime_test.go).

Written for aimskit; it does not contain lime's code. It imports lime from
a checkout on PYTHONPATH (see README.md) for the reference runs and uses
numpy/scikit-learn for the closed-form checks. Output: lime_ref.json.
"""
import json
import math
import sys

import numpy as np
from sklearn.linear_model import Ridge

import lime
import lime.lime_tabular


def model(X):
    X = np.atleast_2d(X)
    return X[:, 0] ** 2 - 2 * np.sin(X[:, 1]) + X[:, 0] * X[:, 2] + 0.5 * X[:, 3] + 1


rng = np.random.RandomState(20161)
d = 4
train = rng.normal(size=(200, d)) * np.array([1.0, 2.0, 0.5, 3.0]) + np.array([0.5, -1.0, 2.0, 0.0])
x = np.array([1.2, 0.3, 2.4, -1.5])
mean = train.mean(axis=0)
std = train.std(axis=0)  # population, as StandardScaler


def closed_form(eps, width, alpha, around):
    centre = x if around else mean
    z = eps * std + centre
    z[0] = x
    s = (z - mean) / std
    dist2 = ((s - s[0]) ** 2).sum(axis=1)
    w = np.exp(-dist2 / width ** 2)
    y = model(z)
    sw = w.sum()
    sbar = (w[:, None] * s).sum(axis=0) / sw
    ybar = (w * y).sum() / sw
    c = s - sbar
    A = c.T @ (w[:, None] * c) + alpha * np.eye(d)
    b = c.T @ (w * (y - ybar))
    coef = np.linalg.solve(A, b)
    intercept = ybar - sbar @ coef
    pred = intercept + s @ coef
    score = 1 - (w * (y - pred) ** 2).sum() / (w * (y - ybar) ** 2).sum()
    # scikit-learn must agree with the closed form.
    r = Ridge(alpha=alpha, fit_intercept=True).fit(s, y, sample_weight=w)
    assert np.allclose(r.coef_, coef, rtol=0, atol=1e-10), (r.coef_, coef)
    assert abs(r.intercept_ - intercept) < 1e-10
    assert abs(r.score(s, y, sample_weight=w) - score) < 1e-10
    return dict(width=width, alpha=alpha, around=around, eps=eps.tolist(), weights=w.tolist(),
                coef=coef.tolist(), intercept=float(intercept), score=float(score),
                local_pred=float(pred[0]))


eps = np.random.RandomState(7).normal(size=(50, d))
closed = [closed_form(eps, 0.75 * math.sqrt(d), 1.0, False),
          closed_form(eps, 0.9, 0.3, True)]


def paper_kernel(dist, kernel_width):
    return np.exp(-dist ** 2 / kernel_width ** 2)


def lime_runs(n, seeds, kernel):
    out = []
    for seed in seeds:
        kw = {} if kernel is None else {"kernel": kernel}
        ex = lime.lime_tabular.LimeTabularExplainer(
            train, mode="regression", discretize_continuous=False,
            feature_selection="none", random_state=seed, **kw)
        e = ex.explain_instance(x, model, num_features=d, num_samples=n)
        coef = np.zeros(d)
        for j, v in e.local_exp[1]:
            coef[j] = v
        out.append(np.concatenate([coef, [e.intercept[1], e.score, float(np.ravel(e.local_pred)[0])]]))
    out = np.array(out)
    return dict(samples=n, runs=len(seeds), mean=out.mean(axis=0).tolist(),
                sd=out.std(axis=0, ddof=1).tolist(),
                fields=["coef0", "coef1", "coef2", "coef3", "intercept", "score", "local_pred"])


seeds = list(range(30))
ref = dict(
    lime_version=lime.__version__ if hasattr(lime, "__version__") else "0.2.0.0",
    numpy=np.__version__, python=sys.version.split()[0],
    model="x0^2 - 2 sin(x1) + x0 x2 + 0.5 x3 + 1",
    training=train.tolist(), instance=x.tolist(), mean=mean.tolist(), std=std.tolist(),
    closed_form=closed,
    lime_paper_kernel=lime_runs(5000, seeds, paper_kernel),
    lime_default_kernel=lime_runs(5000, seeds, None),
)
json.dump(ref, open(sys.argv[1] if len(sys.argv) > 1 else "lime_ref.json", "w"), indent=1)
