"""Checks that PyTorch reproduces a Swift model file's outputs.

Usage (from the package root, with torch and safetensors installed):

    site-agent bench-export --data DIR --model MODEL.safetensors --out INPUTS.safetensors
    python bench/torch_check_model.py MODEL.safetensors INPUTS.safetensors

Loads the weights into the mirror model of bench/torch_epoch.py with
safetensors.torch.load_file and load_state_dict(strict=True), runs it in
evaluation mode on the exported inputs, and prints the largest absolute
difference from the Swift outputs stored in INPUTS. Exits 1 above 1e-3.
"""
import json
import sys

import torch
from safetensors import safe_open
from safetensors.torch import load_file

sys.path.insert(0, "bench")
from torch_epoch import Model  # noqa: E402


def main():
    model_path, inputs_path = sys.argv[1], sys.argv[2]
    with safe_open(model_path, framework="pt") as f:
        config = json.loads(f.metadata()["fedsurv.model_config"])
    model = Model(config)
    model.load_state_dict(load_file(model_path), strict=True)
    model.eval()

    inputs = load_file(inputs_path)
    n = inputs["age"].shape[0]
    omics = {m: inputs[f"{m}.features"] for m in config["modalities"] if m != "clinical"}
    presence = torch.stack(
        [torch.ones(n) if m == "clinical" else inputs[f"{m}.presence"] for m in config["modalities"]], dim=1)
    with torch.no_grad():
        output = model(inputs["categorical"].long(), inputs["age"], omics, presence)
    difference = (output - inputs["prediction"]).abs().max().item()
    scale = inputs["prediction"].abs().max().item()
    print(f"patients={n} outputs={output.shape[1]} max_abs_difference={difference:.3g} max_abs_output={scale:.3g}")
    sys.exit(0 if difference <= 1e-3 else 1)


if __name__ == "__main__":
    main()
