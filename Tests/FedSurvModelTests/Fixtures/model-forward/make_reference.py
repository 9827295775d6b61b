"""Writes model-forward fixtures: a small model and its expected outputs.

An independent numpy implementation of the bilayer attention model in
evaluation mode (no dropout) computes the outputs, so the Swift test
ModelForwardReferenceTests checks the Swift forward pass, and the loading of a
model file written by another program, against it. Run from the package root:

    python3 Tests/FedSurvModelTests/Fixtures/model-forward/make_reference.py

It installs safetensors and numpy into .build/venv-ref on first use and writes
<name>.model.safetensors (weights plus config metadata) and
<name>.io.safetensors (inputs and expected outputs) for each case.
"""

import json
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
    if os.environ.get("FEDSURV_IN_VENV") != "1":
        env = dict(os.environ, FEDSURV_IN_VENV="1")
        sys.exit(subprocess.call([python, __file__] + sys.argv[1:], env=env))


def build_case(name, normalization, mask, seed):
    import numpy as np
    from safetensors.numpy import save_file

    rng = np.random.default_rng(seed)
    n, d, heads = 6, 8, 2
    cardinalities = [3, 2, 4, 5]
    omics = {"mrna": (7, [5]), "cnv": (6, [5, 4])}
    config = {
        "modalities": ["clinical", "mrna", "cnv"],
        "clinicalCardinalities": cardinalities,
        "mrna": {"inputSize": 7, "hiddenSizes": [5]},
        "cnv": {"inputSize": 6, "hiddenSizes": [5, 4]},
        "dimension": d,
        "heads": heads,
        "dropout": 0.3,
        "normalization": normalization,
        "outputSize": 2,
        "maskAbsentModalities": mask,
        "reluAfterFusion": True,
    }

    def f32(a):
        return np.asarray(a, dtype=np.float32)

    weights = {}
    for k, c in enumerate(cardinalities):
        rows = c + 1
        weights[f"encoders.clinical.embeddings.{k}.weight"] = f32(rng.normal(size=(rows, min(50, (rows + 1) // 2))))
    width = sum(w.shape[1] for w in weights.values())
    weights["encoders.clinical.linear.weight"] = f32(rng.uniform(-0.5, 0.5, size=(d, width + 1)))
    weights["encoders.clinical.linear.bias"] = f32(rng.uniform(-0.5, 0.5, size=d))
    for modality, (p, hidden) in omics.items():
        sizes = [p] + hidden + [d]
        for block in range(len(sizes) - 1):
            prefix = f"encoders.{modality}"
            weights[f"{prefix}.{4 * block}.weight"] = f32(rng.uniform(-0.6, 0.6, size=(sizes[block + 1], sizes[block])))
            weights[f"{prefix}.{4 * block}.bias"] = f32(rng.uniform(-0.3, 0.3, size=sizes[block + 1]))
            weights[f"{prefix}.{4 * block + 1}.weight"] = f32(rng.uniform(0.5, 1.5, size=sizes[block + 1]))
            weights[f"{prefix}.{4 * block + 1}.bias"] = f32(rng.uniform(-0.3, 0.3, size=sizes[block + 1]))
            if normalization == "batch":
                weights[f"{prefix}.{4 * block + 1}.running_mean"] = f32(rng.uniform(-0.2, 0.2, size=sizes[block + 1]))
                weights[f"{prefix}.{4 * block + 1}.running_var"] = f32(rng.uniform(0.5, 2.0, size=sizes[block + 1]))
    weights["fusion.key_weight"] = f32(rng.normal(size=(d, d)))
    weights["fusion.query"] = f32(rng.uniform(0, 1, size=d))
    weights["fusion.linear.weight"] = f32(rng.uniform(-0.35, 0.35, size=(d, d)))
    weights["fusion.linear.bias"] = f32(rng.uniform(-0.35, 0.35, size=d))
    weights["output.weight"] = f32(rng.uniform(-0.35, 0.35, size=(2, d)))
    weights["output.bias"] = f32(rng.uniform(-0.35, 0.35, size=2))

    # Inputs: example 1 lacks mRNA, example 2 lacks CNV, example 3 lacks both.
    codes = np.stack([rng.integers(0, c + 1, size=n) for c in cardinalities], axis=1).astype(np.int64)
    age = f32(rng.uniform(0, 1, size=n))
    inputs = {}
    presence = {"mrna": np.ones(n, np.float32), "cnv": np.ones(n, np.float32)}
    presence["mrna"][[1, 3]] = 0
    presence["cnv"][[2, 3]] = 0
    for modality, (p, _) in omics.items():
        x = f32(rng.uniform(0, 1, size=(n, p)))
        x[presence[modality] == 0] = 0
        inputs[modality] = x

    # Forward pass in float64, evaluation mode.
    w = {k: v.astype(np.float64) for k, v in weights.items()}
    embedded = [w[f"encoders.clinical.embeddings.{k}.weight"][codes[:, k]] for k in range(4)]
    clinical_in = np.concatenate(embedded + [age[:, None].astype(np.float64)], axis=1)
    encoded = [clinical_in @ w["encoders.clinical.linear.weight"].T + w["encoders.clinical.linear.bias"]]
    for modality, (p, hidden) in omics.items():
        x = inputs[modality].astype(np.float64)
        for block in range(len(hidden) + 1):
            prefix = f"encoders.{modality}"
            x = x @ w[f"{prefix}.{4 * block}.weight"].T + w[f"{prefix}.{4 * block}.bias"]
            gamma, beta = w[f"{prefix}.{4 * block + 1}.weight"], w[f"{prefix}.{4 * block + 1}.bias"]
            if normalization == "batch":
                mean, var = w[f"{prefix}.{4 * block + 1}.running_mean"], w[f"{prefix}.{4 * block + 1}.running_var"]
            else:
                mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
            x = np.maximum((x - mean) / np.sqrt(var + 1e-5) * gamma + beta, 0)
        encoded.append(x)
    b = np.stack(encoded, axis=1)  # n x M x d
    keys = np.maximum(b @ w["fusion.key_weight"], 0)
    present = np.stack([np.ones(n), presence["mrna"], presence["cnv"]], axis=1)
    hw = d // heads
    fused = np.zeros((n, d))
    for h in range(heads):
        block = slice(h * hw, (h + 1) * hw)
        scores = keys[:, :, block] @ w["fusion.query"][block] / np.sqrt(hw)  # n x M
        if mask:
            scores = np.where(present > 0, scores, -np.inf)
        scores = scores - scores.max(axis=1, keepdims=True)
        a = np.exp(scores)
        a = a / a.sum(axis=1, keepdims=True)
        fused[:, block] = np.einsum("nm,nmc->nc", a, b[:, :, block])
    hidden_out = np.maximum(fused @ w["fusion.linear.weight"].T + w["fusion.linear.bias"], 0)
    output = hidden_out @ w["output.weight"].T + w["output.bias"]

    metadata = {"format": "pt", "fedsurv.model_config": json.dumps(config)}
    save_file(weights, os.path.join(HERE, f"{name}.model.safetensors"), metadata=metadata)
    io = {
        "categorical": f32(codes),
        "age": age,
        "mrna": inputs["mrna"],
        "mrna_presence": presence["mrna"],
        "cnv": inputs["cnv"],
        "cnv_presence": presence["cnv"],
        "output": f32(output),
    }
    save_file(io, os.path.join(HERE, f"{name}.io.safetensors"))


def main():
    ensure_venv()
    build_case("batch-masked", "batch", True, seed=11)
    build_case("layer-unmasked", "layer", False, seed=12)


if __name__ == "__main__":
    main()
