"""PyTorch CPU reference for bench/nn-epoch: the same model, data sizes and loop.

Usage (from the package root, after `apt-get install --no-install-recommends python3-torch`):

    /usr/bin/python3 bench/torch_epoch.py [EXAMPLES [EPOCHS [batch|layer [THREADS]]]]
    /usr/bin/python3 bench/torch_epoch.py --check-names MODEL.safetensors
    /usr/bin/python3 bench/torch_epoch.py --data TENSORS.safetensors [EPOCHS [THREADS]]

--data trains with a Cox partial likelihood (Breslow ties) on the real
preprocessed tensors written by `site-agent bench-export`, with the model
configuration stored in that file, as `bench/nn-epoch --data` does in Swift.

The model mirrors BilayerAttentionModel: parameter names match the Swift
model files, so --check-names loads a file written by the Swift code with
load_state_dict and lists the keys PyTorch expects but the file lacks (only
BatchNorm's num_batches_tracked could be, and PyTorch 1.13 fills it in for
state dicts without version metadata) and any extra keys.
"""

import json
import math
import struct
import sys
import time

import numpy as np
import torch
from torch import nn


class Fusion(nn.Module):
    def __init__(self, d, heads, dropout, mask):
        super().__init__()
        self.heads, self.mask = heads, mask
        self.key_weight = nn.Parameter(torch.randn(d, d))
        self.query = nn.Parameter(torch.rand(d))
        self.dropout = nn.Dropout(dropout)
        self.linear = nn.Linear(d, d)

    def forward(self, b, presence):  # b: n x M x d, presence: n x M
        n, m, d = b.shape
        w = d // self.heads
        keys = torch.relu(self.dropout(b @ self.key_weight)).view(n, m, self.heads, w)
        scores = (keys * self.query.view(1, 1, self.heads, w)).sum(-1) / math.sqrt(w)  # n x M x H
        if self.mask:
            any_present = presence.sum(1, keepdim=True) > 0
            absent = (presence == 0) & any_present
            scores = scores.masked_fill(absent.unsqueeze(-1), float("-inf"))
        a = torch.softmax(scores, dim=1)  # over modalities
        fused = (a.unsqueeze(-1) * b.view(n, m, self.heads, w)).sum(1).reshape(n, d)
        return torch.relu(self.linear(fused))


class Clinical(nn.Module):
    def __init__(self, cardinalities, d, dropout):
        super().__init__()
        self.embeddings = nn.ModuleList(
            nn.Embedding(c + 1, min(50, (c + 2) // 2)) for c in cardinalities)
        self.dropout = nn.Dropout(dropout)
        width = sum(e.embedding_dim for e in self.embeddings)
        self.linear = nn.Linear(width + 1, d)

    def forward(self, codes, age):
        x = torch.cat([e(codes[:, k]) for k, e in enumerate(self.embeddings)], dim=1)
        return self.linear(torch.cat([self.dropout(x), age.unsqueeze(1)], dim=1))


def omics_encoder(sizes, normalization, dropout):
    layers = []
    for i in range(len(sizes) - 1):
        norm = nn.BatchNorm1d(sizes[i + 1]) if normalization == "batch" else nn.LayerNorm(sizes[i + 1])
        layers += [nn.Linear(sizes[i], sizes[i + 1]), norm, nn.ReLU(), nn.Dropout(dropout)]
    return nn.Sequential(*layers)


class Model(nn.Module):
    def __init__(self, config):
        super().__init__()
        d = config["dimension"]
        self.modalities = config["modalities"]
        encoders = {}
        if "clinical" in self.modalities:
            encoders["clinical"] = Clinical(config["clinicalCardinalities"], d, config["dropout"])
        for m in self.modalities:
            if m != "clinical":
                e = config[m]
                encoders[m] = omics_encoder([e["inputSize"]] + e["hiddenSizes"] + [d], config["normalization"], config["dropout"])
        self.encoders = nn.ModuleDict(encoders)
        self.fusion = Fusion(d, config["heads"], config["dropout"], config["maskAbsentModalities"])
        self.output = nn.Linear(d, config["outputSize"])

    def forward(self, codes, age, omics, presence):
        parts = []
        for m in self.modalities:
            parts.append(self.encoders[m](codes, age) if m == "clinical" else self.encoders[m](omics[m]))
        return self.output(self.fusion(torch.stack(parts, dim=1), presence))


def paper_config(normalization):
    return {
        "modalities": ["clinical", "mrna", "mirna", "cnv"], "clinicalCardinalities": [33, 2, 7, 100],
        "mrna": {"inputSize": 1579, "hiddenSizes": [512]}, "mirna": {"inputSize": 743, "hiddenSizes": [400]},
        "cnv": {"inputSize": 2711, "hiddenSizes": [1300, 700, 300]}, "dimension": 128, "heads": 4,
        "dropout": 0.2, "normalization": normalization, "outputSize": 1, "maskAbsentModalities": True,
    }


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    metadata = header.pop("__metadata__", {})
    body = data[8 + length:]
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(body[begin:end], dtype="<f4").reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, metadata


def check_names(path):
    tensors, metadata = read_safetensors(path)
    model = Model(json.loads(metadata["fedsurv.model_config"]))
    result = model.load_state_dict(tensors, strict=False)
    print(f"missing={sorted(result.missing_keys)}")
    print(f"unexpected={sorted(result.unexpected_keys)}")


def bench(examples, epochs, normalization, threads):
    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(1)
    config = paper_config(normalization)
    model = Model(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    codes = torch.stack([torch.randint(0, c + 1, (examples,)) for c in config["clinicalCardinalities"]], dim=1)
    age = torch.rand(examples)
    omics = {m: torch.rand(examples, config[m]["inputSize"]) for m in ["mrna", "mirna", "cnv"]}
    presence = torch.ones(examples, 4)
    parameters = sum(p.numel() for p in model.parameters())
    model.train()
    for epoch in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(examples)
        batches = 0
        for first in range(0, examples, 256):
            index = order[first:first + 256]
            optimizer.zero_grad()
            out = model(codes[index], age[index], {m: x[index] for m, x in omics.items()}, presence[index])
            # Same constant output gradient as bench/nn_epoch.swift: 1 / batch size.
            (out.sum() / out.shape[0]).backward()
            optimizer.step()
            batches += 1
        seconds = time.perf_counter() - start
        print(f"bench=torch_epoch torch={torch.__version__} threads={torch.get_num_threads()} "
              f"normalization={normalization} examples={examples} batches={batches} "
              f"parameters={parameters} epoch={epoch} seconds={seconds:.3f}")


def cox_loss(eta, time, event):
    """Negative Cox partial log-likelihood with Breslow ties, averaged over events.

    Risk sets come from a descending sort and a running log-sum-exp, so tied
    times share only part of their risk set. Exact tie handling would cost
    the same, and the cost is all this benchmark measures.
    """
    order = torch.argsort(time, descending=True)
    eta, event = eta[order], event[order]
    log_risk_set = torch.logcumsumexp(eta, dim=0)
    events = event.sum().clamp(min=1)
    return -((eta - log_risk_set) * event).sum() / events


def bench_data(path, epochs, threads):
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    tensors, metadata = read_safetensors(path)
    config = json.loads(metadata["fedsurv.model_config"])
    model = Model(config)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    codes = tensors["categorical"].long()
    age, time_, event = tensors["age"], tensors["time"], tensors["event"]
    examples = age.shape[0]
    omics = {m: tensors[f"{m}.features"] for m in config["modalities"] if m != "clinical"}
    presence = torch.stack(
        [torch.ones(examples) if m == "clinical" else tensors[f"{m}.presence"] for m in config["modalities"]], dim=1)
    parameters = sum(p.numel() for p in model.parameters())
    model.train()
    for epoch in range(epochs):
        start = time.perf_counter()
        order = torch.randperm(examples)
        batches, total = 0, 0.0
        for first in range(0, examples, 256):
            index = order[first:first + 256]
            optimizer.zero_grad()
            out = model(codes[index], age[index], {m: x[index] for m, x in omics.items()}, presence[index])
            loss = cox_loss(out[:, 0], time_[index], event[index])
            loss.backward()
            optimizer.step()
            batches += 1
            total += float(loss)
        seconds = time.perf_counter() - start
        print(f"bench=torch_epoch_real torch={torch.__version__} threads={torch.get_num_threads()} "
              f"examples={examples} batches={batches} parameters={parameters} epoch={epoch} "
              f"seconds={seconds:.3f} loss={total / batches:.4f}")


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--check-names":
        check_names(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "--data":
        bench_data(sys.argv[2], int(sys.argv[3]) if len(sys.argv) > 3 else 3,
                   int(sys.argv[4]) if len(sys.argv) > 4 else 2)
    else:
        args = sys.argv[1:]
        bench(
            int(args[0]) if args else 8000,
            int(args[1]) if len(args) > 1 else 3,
            args[2] if len(args) > 2 else "batch",
            int(args[3]) if len(args) > 3 else 0)
