"""Writes reference.safetensors with the official safetensors package.

The Swift test ModelSafeTensorsReferenceTests reads it and checks every value,
so the Swift reader is tested against the reference writer. Run from the
package root:

    python3 Tests/FedSurvModelTests/Fixtures/safetensors/make_reference.py

It installs safetensors and numpy into .build/venv-ref on first use, then
checks that the official reader accepts a file written by the Swift writer
when one is given as the first argument.
"""

import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(".build", "venv-ref")


def ensure_venv():
    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.check_call([sys.executable, "-m", "venv", VENV])
        subprocess.check_call([python, "-m", "pip", "install", "--quiet", "safetensors", "numpy"])
    return python


def main():
    python = ensure_venv()
    if sys.executable != os.path.abspath(python) and os.environ.get("FEDSURV_IN_VENV") != "1":
        env = dict(os.environ, FEDSURV_IN_VENV="1")
        sys.exit(subprocess.call([python, __file__] + sys.argv[1:], env=env))

    import numpy as np
    from safetensors.numpy import load_file, save_file

    tensors = {
        "encoders.mrna.0.weight": np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5,
        "encoders.mrna.0.bias": np.array([1.5, -2.25], dtype=np.float32),
        "fusion.query": np.array([0.125, 3.0e-7, -1.0e20, 7.0], dtype=np.float32),
    }
    metadata = {"format": "pt", "note": "written by safetensors.numpy.save_file"}
    save_file(tensors, os.path.join(HERE, "reference.safetensors"), metadata=metadata)

    if len(sys.argv) > 1:
        loaded = load_file(sys.argv[1])
        for name, value in sorted(loaded.items()):
            print(f"{name} dtype={value.dtype} shape={list(value.shape)}")


if __name__ == "__main__":
    main()
