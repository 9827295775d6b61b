#!/usr/bin/env python3
"""PyTorch (CPU) reference of FedSurv's bilayer attention model, for timing.

It reads the tensors and architecture that `site-agent bench-export` wrote to a
safetensors file, builds the same model (same layer sizes, the same fusion),
and times training epochs with Adam (learning rate 0.001) and batch 256 on the
Cox partial likelihood (Breslow), the same work FedSurv's `bench-epoch` times.

Usage: torch_reference.py DATA.safetensors [--epochs N] [--threads T]
"""
import argparse
import json
import math
import time

import torch
from safetensors import safe_open


class ClinicalEncoder(torch.nn.Module):
    def __init__(self, cardinalities, d, dropout):
        super().__init__()
        self.embeddings = torch.nn.ModuleList(
            torch.nn.Embedding(n, min(50, (n + 1) // 2)) for n in cardinalities)
        width = sum(min(50, (n + 1) // 2) for n in cardinalities) + 1
        self.dropout = torch.nn.Dropout(dropout)
        self.linear = torch.nn.Linear(width, d)

    def forward(self, categorical, age):
        parts = [emb(categorical[:, i]) for i, emb in enumerate(self.embeddings)]
        x = torch.cat([self.dropout(torch.cat(parts, dim=1)), age[:, None]], dim=1)
        return self.linear(x)


def omics_encoder(p, hidden, d, dropout, norm):
    layers = []
    width = p
    for h in hidden:
        layers += [torch.nn.Linear(width, h),
                   torch.nn.BatchNorm1d(h) if norm == "batch" else torch.nn.LayerNorm(h),
                   torch.nn.ReLU(), torch.nn.Dropout(dropout)]
        width = h
    layers.append(torch.nn.Linear(width, d))
    return torch.nn.Sequential(*layers)


class BilayerModel(torch.nn.Module):
    """Modality encoders, then multi-head attention fusion over modality vectors."""

    def __init__(self, config, cardinalities, feature_counts):
        super().__init__()
        d = config["d"]
        self.heads = config["heads"]
        self.modalities = config["modalities"]
        self.clinical = ClinicalEncoder(cardinalities, d, config["dropout"]) if "clinical" in self.modalities else None
        self.encoders = torch.nn.ModuleDict({
            m: omics_encoder(feature_counts[m], config["hidden"][m], d, config["dropout"], config["norm"])
            for m in self.modalities if m != "clinical"})
        self.key = torch.nn.Parameter(torch.randn(d, d))
        self.query = torch.nn.Parameter(torch.rand(d))
        self.key_dropout = torch.nn.Dropout(config["dropout"])
        self.fuse = torch.nn.Linear(d, d)
        self.out = torch.nn.Linear(d, 1)

    def forward(self, batch):
        vectors = []
        for m in self.modalities:
            if m == "clinical":
                vectors.append(self.clinical(batch["categorical"], batch["age"]))
            else:
                vectors.append(self.encoders[m](batch[m]))
        B = torch.stack(vectors, dim=1)                      # n x M x d
        n, M, d = B.shape
        K = torch.relu(self.key_dropout(B @ self.key))       # n x M x d
        h = self.heads
        Kh = K.view(n, M, h, d // h)
        Vh = B.view(n, M, h, d // h)
        qh = self.query.view(h, d // h)
        logits = (Kh * qh).sum(-1) / math.sqrt(d // h)       # n x M x h
        weights = torch.softmax(logits, dim=1)
        fused = (weights[..., None] * Vh).sum(1).reshape(n, d)
        return self.out(torch.relu(self.fuse(fused))).squeeze(1)


def cox_breslow(risk, time_, event):
    order = torch.argsort(time_, descending=True)
    risk, event = risk[order], event[order]
    log_cumsum = torch.logcumsumexp(risk, dim=0)
    events = event.sum()
    if events == 0:
        return risk.sum() * 0
    return -((risk - log_cumsum) * event).sum() / events


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("data")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch", type=int, default=256)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    with safe_open(args.data, framework="pt") as f:
        meta = f.metadata()
        tensors = {k: f.get_tensor(k) for k in f.keys()}
    config = json.loads(meta["fedsurv.bench"])
    cardinalities = config["cardinalities"]
    feature_counts = {m: tensors[m].shape[1] for m in config["modalities"] if m != "clinical"}
    data = {m: tensors[m] for m in feature_counts}
    data["categorical"] = tensors["categorical"].long()
    data["age"] = tensors["age"]
    time_, event = tensors["time"], tensors["event"]
    n = time_.shape[0]

    model = BilayerModel(config, cardinalities, feature_counts)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
    model.train()
    timings = []
    for epoch in range(args.epochs):
        permutation = torch.randperm(n)
        start = time.perf_counter()
        for first in range(0, n, args.batch):
            rows = permutation[first:first + args.batch]
            if rows.numel() < 2:
                continue
            batch = {k: v[rows] for k, v in data.items()}
            optimizer.zero_grad()
            loss = cox_breslow(model(batch), time_[rows], event[rows])
            loss.backward()
            optimizer.step()
        timings.append(time.perf_counter() - start)
    parameters = sum(p.numel() for p in model.parameters())
    print(json.dumps({"framework": f"pytorch {torch.__version__}", "threads": args.threads, "patients": n,
                      "parameters": parameters, "epoch_seconds": timings,
                      "best_epoch_seconds": min(timings)}))


if __name__ == "__main__":
    main()
