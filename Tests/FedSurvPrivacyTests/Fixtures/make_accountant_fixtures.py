#!/usr/bin/env python3
"""Write accountant_reference.json: epsilon values from Google's dp-accounting.

Each case is T self-composed steps of a Poisson-subsampled Gaussian or
Laplace mechanism under add-or-remove-one adjacency, with epsilon reported
at delta = 1e-5 by dp-accounting's PLD accountant (connect-the-dots,
value_discretization_interval = 1e-4). FedSurvPrivacyTests compare
PLDAccountant with these values.

Run from the package root; the script installs dp-accounting into
.build/venv-ref on first use and re-runs itself there:

    python3 Tests/FedSurvPrivacyTests/Fixtures/make_accountant_fixtures.py
"""

import json
import os
import subprocess
import sys
import time

VENV = os.path.join(".build", "venv-ref")
PYTHON = os.path.join(VENV, "bin", "python")
HERE = os.path.dirname(os.path.abspath(__file__))

DELTA = 1e-5
DISCRETIZATION = 1e-4
SAMPLING_RATES = [0.01, 0.1, 1.0]
STEPS = [1, 100, 1000]
GAUSSIAN_NOISE_MULTIPLIERS = [0.8, 1.5, 4.0]
LAPLACE_SCALES = [0.8, 2.0, 4.0]


def ensure_venv():
    """Re-run this script inside the reference venv, creating it if needed."""
    if os.path.abspath(sys.prefix) == os.path.abspath(VENV):
        return
    if not os.path.exists(PYTHON):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([PYTHON, "-m", "pip", "install", "--quiet", "dp-accounting==0.6.0"], check=True)
    os.execv(PYTHON, [PYTHON] + sys.argv)


def reference_epsilon(mechanism, parameter, sampling_rate, steps):
    from dp_accounting import dp_event
    from dp_accounting.pld import pld_privacy_accountant

    if mechanism == "gaussian":
        event = dp_event.GaussianDpEvent(noise_multiplier=parameter)
    else:
        event = dp_event.LaplaceDpEvent(noise_multiplier=parameter)
    if sampling_rate < 1:
        event = dp_event.PoissonSampledDpEvent(sampling_probability=sampling_rate, event=event)
    accountant = pld_privacy_accountant.PLDAccountant(value_discretization_interval=DISCRETIZATION)
    accountant.compose(dp_event.SelfComposedDpEvent(event=event, count=steps))
    return accountant.get_epsilon(DELTA)


def main():
    ensure_venv()
    import dp_accounting

    cases = []
    for mechanism, parameters in (("gaussian", GAUSSIAN_NOISE_MULTIPLIERS), ("laplace", LAPLACE_SCALES)):
        for parameter in parameters:
            for sampling_rate in SAMPLING_RATES:
                for steps in STEPS:
                    started = time.time()
                    epsilon = reference_epsilon(mechanism, parameter, sampling_rate, steps)
                    print(f"{mechanism} {parameter} q={sampling_rate} T={steps}: "
                          f"epsilon={epsilon:.6g} ({time.time() - started:.1f} s)", file=sys.stderr)
                    cases.append({
                        "mechanism": mechanism,
                        "parameter": parameter,
                        "samplingRate": sampling_rate,
                        "steps": steps,
                        "delta": DELTA,
                        "epsilon": epsilon,
                    })

    output = {
        "generator": "Tests/FedSurvPrivacyTests/Fixtures/make_accountant_fixtures.py",
        "library": f"dp-accounting {getattr(dp_accounting, '__version__', '0.6.0')}",
        "adjacency": "add or remove one",
        "discretization": DISCRETIZATION,
        "cases": cases,
    }
    with open(os.path.join(HERE, "accountant_reference.json"), "w") as file:
        json.dump(output, file, indent=1)
        file.write("\n")


if __name__ == "__main__":
    main()
