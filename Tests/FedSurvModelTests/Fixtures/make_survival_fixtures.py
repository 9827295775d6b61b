#!/usr/bin/env python3
"""Write survival_reference.json: reference values for the Survival* tests.

The values come from lifelines, scikit-survival and pycox on small seeded
inputs with tied times, tied risks and censoring. Run from the package root:

    python3 Tests/FedSurvModelTests/Fixtures/make_survival_fixtures.py

The script creates .build/venv-ref with its packages on first use and
re-runs itself there. pycox 0.3.0 is installed without its dependencies
(it pulls in PyTorch), and only its pycox/evaluation/concordance.py is
loaded by path with numba, so the Antolini value is pycox's own code.
"""

import json
import os
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
VENV = ROOT / ".build" / "venv-ref"
PYTHON = VENV / "bin" / "python"
OUTPUT = pathlib.Path(__file__).resolve().parent / "survival_reference.json"


def ensure_venv():
    if pathlib.Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not PYTHON.exists():
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        pip = [str(PYTHON), "-m", "pip", "install", "-q"]
        subprocess.run(pip + ["lifelines==0.30.3", "scikit-survival==0.28.0", "numba"], check=True)
        subprocess.run(pip + ["--no-deps", "pycox==0.3.0"], check=True)
    os.execv(str(PYTHON), [str(PYTHON), __file__])


ensure_venv()

import importlib.metadata  # noqa: E402
import importlib.util  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from lifelines import KaplanMeierFitter  # noqa: E402
from lifelines.fitters.coxph_fitter import SemiParametricPHFitter  # noqa: E402
from lifelines.utils import concordance_index  # noqa: E402
from sksurv.linear_model.coxph import BreslowEstimator  # noqa: E402
from sksurv.metrics import brier_score, concordance_index_censored, integrated_brier_score  # noqa: E402
from sksurv.nonparametric import kaplan_meier_estimator  # noqa: E402
from sksurv.util import Surv  # noqa: E402


def load_pycox_concordance():
    path = pathlib.Path(importlib.metadata.distribution("pycox").locate_file("pycox/evaluation/concordance.py"))
    spec = importlib.util.spec_from_file_location("pycox_concordance", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def floats(values):
    return [float(v) for v in values]


def bools(values):
    return [bool(v) for v in values]


rng = np.random.default_rng(20261204)
fixtures = {}

# Harrell's concordance: a hand-made case with every tie rule, a random
# case with integer times and rounded risks, and a larger random case.
cases = {
    "hand": (
        np.array([1, 1, 2, 2, 2, 3, 3, 4, 5, 5], dtype=float),
        np.array([1, 1, 1, 0, 1, 0, 1, 1, 0, 0], dtype=bool),
        np.array([0.9, 0.9, 0.5, 0.7, 0.5, 0.1, 0.3, 0.3, 0.2, 0.9]),
    ),
}
n = 40
cases["small"] = (
    rng.integers(1, 16, n).astype(float),
    rng.random(n) < 0.6,
    np.round(rng.normal(size=n), 1),
)
n = 2000
cases["large"] = (
    rng.integers(1, 400, n).astype(float),
    rng.random(n) < 0.5,
    np.round(rng.normal(size=n), 2),
)
fixtures["harrell"] = []
for name, (times, events, risks) in cases.items():
    sk = concordance_index_censored(events, times, risks)
    fixtures["harrell"].append({
        "name": name, "times": floats(times), "events": bools(events), "risks": floats(risks),
        "lifelines": float(concordance_index(times, -risks, events)),
        "sksurv": float(sk[0]), "sksurvConcordant": int(sk[1]), "sksurvDiscordant": int(sk[2]),
        "sksurvTiedRisk": int(sk[3]),
    })

# Kaplan-Meier of deaths (lifelines) and of censorings (scikit-survival, reverse=True).
n = 40
times = rng.integers(0, 20, n).astype(float)
events = rng.random(n) < 0.55
kmf = KaplanMeierFitter().fit(times, events)
censor_times, censor_survival = kaplan_meier_estimator(events, times, reverse=True)
fixtures["kaplanMeier"] = {
    "times": floats(times), "events": bools(events),
    "lifelinesTimeline": floats(kmf.survival_function_.index.values),
    "lifelinesSurvival": floats(kmf.survival_function_["KM_estimate"].values),
    "censoringTimes": floats(censor_times), "censoringSurvival": floats(censor_survival),
}


def weibull_curves(count, grid):
    scale = rng.uniform(20, 120, count)
    shape = rng.uniform(0.7, 2.0, count)
    return np.exp(-(grid[None, :] / scale[:, None]) ** shape[:, None])


# Brier score and integrated Brier score with KM censoring weights from a training set.
train_times = rng.integers(1, 150, 80).astype(float)
train_events = rng.random(80) < 0.6
test_times = rng.integers(1, 140, 40).astype(float)
test_events = rng.random(40) < 0.6
grid = np.array([5.0, 12.0, 20.0, 31.0, 45.0, 60.0, 77.0, 90.0, 110.0, 125.0])
estimate = weibull_curves(40, grid)
survival_train = Surv.from_arrays(train_events, train_times)
survival_test = Surv.from_arrays(test_events, test_times)
_, scores = brier_score(survival_train, survival_test, estimate, grid)
fixtures["brier"] = {
    "trainingTimes": floats(train_times), "trainingEvents": bools(train_events),
    "times": floats(test_times), "events": bools(test_events),
    "gridTimes": floats(grid), "survival": [floats(row) for row in estimate],
    "brierScores": floats(scores),
    "integratedBrierScore": float(integrated_brier_score(survival_train, survival_test, estimate, grid)),
}

# Antolini's time-dependent concordance, from pycox's own code.
pycox_concordance = load_pycox_concordance()
n = 60
times = rng.integers(1, 100, n).astype(float)
events = rng.random(n) < 0.6
grid = np.arange(0.0, 101.0, 5.0)
curves = np.round(weibull_curves(n, grid), 2)
surv_idx = np.searchsorted(grid, times).clip(0, len(grid) - 1)
antolini = pycox_concordance.concordance_td(
    times, events.astype("int32"), np.ascontiguousarray(curves.T), surv_idx, "antolini")
fixtures["antolini"] = {
    "times": floats(times), "events": bools(events), "gridTimes": floats(grid),
    "survival": [floats(row) for row in curves], "pycox": float(antolini),
}


# Cox partial likelihood on a tie-heavy batch: a direct numpy formula for
# both tie rules, and lifelines' Efron log-likelihood and its derivative
# along the log-risk vector (d log L / d beta at beta = 1 with X = eta).
def cox_reference(eta, times, events, ties):
    log_likelihood = 0.0
    gradient = np.zeros_like(eta)
    for t in np.unique(times[events]):
        dead = events & (times == t)
        risk = times >= t
        d = dead.sum()
        total = np.exp(eta[risk]).sum()
        tied = np.exp(eta[dead]).sum()
        log_likelihood += eta[dead].sum()
        gradient -= dead
        for l in range(d):
            c = l / d if ties == "efron" else 0.0
            denominator = total - c * tied
            log_likelihood -= np.log(denominator)
            gradient += np.exp(eta) * (risk - c * dead) / denominator
    count = events.sum()
    return -log_likelihood / count, gradient / count, log_likelihood


def log_likelihood_beta_gradient(eta, loss_gradient, events):
    """d log L / d beta at beta = 1 for eta = X beta, from the gradient of the mean loss."""
    return -events.sum() * float(np.dot(eta, loss_gradient))


n = 30
times = rng.integers(1, 7, n).astype(float)
events = rng.random(n) < 0.7
eta = rng.normal(scale=1.5, size=n)
order = np.argsort(times, kind="stable")
frame = pd.DataFrame({"eta": eta[order]})
_, lifelines_gradient, lifelines_log_likelihood = SemiParametricPHFitter()._get_efron_values_single(
    frame, pd.Series(times[order]), pd.Series(events[order].astype(float)),
    pd.Series(np.ones(n)), None, np.array([1.0]))
fixtures["cox"] = {"logRisks": floats(eta), "times": floats(times), "events": bools(events),
                   "lifelinesEfronLogLikelihood": float(lifelines_log_likelihood),
                   "lifelinesEfronBetaGradient": float(np.ravel(lifelines_gradient)[0])}
for ties in ("efron", "breslow"):
    loss, gradient, log_likelihood = cox_reference(eta, times, events, ties)
    if ties == "efron":
        # The numpy formula must agree with lifelines before it is stored.
        assert abs(log_likelihood - lifelines_log_likelihood) < 1e-9
        assert abs(log_likelihood_beta_gradient(eta, gradient, events) - fixtures["cox"]["lifelinesEfronBetaGradient"]) < 1e-9
    fixtures["cox"][ties + "Loss"] = float(loss)
    fixtures["cox"][ties + "Gradient"] = floats(gradient)


# Discrete-time likelihood: breaks from event-time quantiles, targets as in
# nnet-survival's make_surv_array (reimplemented here in numpy), loss as the
# per-interval binary cross-entropy with hazards h = sigmoid(z).
def surv_targets(breaks, times, events):
    k = len(breaks) - 1
    midpoints = breaks[:-1] + np.diff(breaks) / 2
    survived = np.zeros((len(times), k))
    failed = np.zeros((len(times), k))
    for i, (t, e) in enumerate(zip(times, events)):
        if e:
            survived[i] = t >= breaks[1:]
            if t < breaks[-1]:
                failed[i, np.where(t < breaks[1:])[0][0]] = 1
        else:
            survived[i] = t >= midpoints
    return survived, failed


n = 25
times = rng.integers(0, 200, n).astype(float)
events = rng.random(n) < 0.6
breaks = np.r_[0.0, np.quantile(times[events], np.arange(1, 5) / 4)]
test_times = np.r_[rng.integers(0, 260, 12).astype(float), breaks[2], (breaks[1] + breaks[2]) / 2]
test_events = np.r_[rng.random(12) < 0.5, True, False]
test_times = np.where(test_events & (test_times == breaks[-1]), test_times + 1, test_times)
logits = rng.normal(size=(len(test_times), 4)) * 2
survived, failed = surv_targets(breaks, test_times, test_events)
hazard = 1 / (1 + np.exp(-logits))
losses = -(survived * np.log(1 - hazard) + failed * np.log(hazard)).sum(axis=1)
fixtures["discreteTime"] = {
    "trainingTimes": floats(times), "trainingEvents": bools(events), "quantileBreaks": floats(breaks),
    "times": floats(test_times), "events": bools(test_events),
    "logits": floats(logits.ravel()), "exampleLosses": floats(losses),
}

# Breslow baseline hazard (scikit-survival) and the survival curves it gives.
n = 40
times = rng.integers(1, 30, n).astype(float)
events = rng.random(n) < 0.6
eta = rng.normal(scale=1.2, size=n)
breslow = BreslowEstimator().fit(eta, events, times)
grid = np.array([times.min(), 3.5, 7.0, 12.0, 18.5, 25.0, times.max()])
curves = np.array([[fn(t) for t in grid] for fn in breslow.get_survival_function(eta)])
fixtures["breslow"] = {
    "logRisks": floats(eta), "times": floats(times), "events": bools(events), "gridTimes": floats(grid),
    "uniqueTimes": floats(breslow.cum_baseline_hazard_.x),
    "cumulativeHazard": floats(breslow.cum_baseline_hazard_.y), "survival": [floats(row) for row in curves],
}

OUTPUT.write_text(json.dumps(fixtures, indent=1) + "\n")
print(f"wrote {OUTPUT}")
