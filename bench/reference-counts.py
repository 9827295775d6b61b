#!/usr/bin/env python3
"""Independent cohort counts for the real-data test in Tests/FedSurvDataTests/RealDataTests.swift.

Uses the Python standard library only (gzip, math). Run once:
    python3 bench/reference-counts.py /work/shared/data/tcga
The printed numbers are the expected values in RealDataTests.swift.

Rules, restated here instead of imported from the Swift code:
- usable survival: OS is 0 or 1 and OS.time is a finite number >= 0;
- a patient is present in a modality when the file has a sample of type
  01, 03, 02 or 06 for it (chars 14-15 of the barcode); the chosen sample is
  the best type in that order, ties broken by the lowest full barcode;
- default thresholds, fitted on all present usable patients: mRNA
  log2(x+1) then population variance > 7; miRNA log2(x+1), measured in at
  least half of the present patients and variance > 0; CNV variance > 0.05.
  Variances ignore NA cells.
"""
import gzip
import math
import sys

PREFERENCE = {"01": 0, "03": 1, "02": 2, "06": 3}


def read_clinical(path):
    usable, events, rows = set(), 0, 0
    with open(path) as f:
        header = f.readline().rstrip("\n").split("\t")
        p, os_, t = header.index("bcr_patient_barcode"), header.index("OS"), header.index("OS.time")
        for line in f:
            cells = line.rstrip("\n").split("\t")
            rows += 1
            try:
                event, time = float(cells[os_]), float(cells[t])
            except ValueError:
                continue
            if event not in (0.0, 1.0) or not math.isfinite(time) or time < 0:
                continue
            usable.add(cells[p])
            events += int(event)
    return usable, events, rows


def choose(samples, usable):
    best = {}
    for column, barcode in enumerate(samples):
        rank = PREFERENCE.get(barcode[13:15])
        patient = barcode[:12]
        if rank is None or patient not in usable:
            continue
        key = (rank, barcode)
        if patient not in best or key < best[patient][0]:
            best[patient] = (key, column)
    return {column for (_, column) in best.values()}


def variance_counts(rows, log, threshold, min_fraction):
    """rows: iterable of per-feature lists of chosen values (None = NA)."""
    kept = 0
    total = 0
    for values in rows:
        total += 1
        measured = [math.log2(v + 1) if log else v for v in values if v is not None]
        if len(measured) < min_fraction * len(values) or not measured:
            continue
        mean = sum(measured) / len(measured)
        var = sum((v - mean) ** 2 for v in measured) / len(measured)
        if var > threshold:
            kept += 1
    return total, kept


def parse(cell):
    return None if cell in ("", "NA") else float(cell)


def xena(path, usable, log, threshold, min_fraction):
    with gzip.open(path, "rt") as f:
        samples = f.readline().rstrip("\n").split("\t")[1:]
        chosen = sorted(choose(samples, usable))

        def rows():
            for line in f:
                cells = line.rstrip("\n").split("\t")[1:]
                yield [parse(cells[c]) for c in chosen]

        total, kept = variance_counts(rows(), log, threshold, min_fraction)
    return len(chosen), total, kept


def samples_as_rows(path, usable, threshold):
    with gzip.open(path, "rt") as f:
        features = f.readline().rstrip("\n").split("\t")[1:]
        lines = {}
        barcodes = []
        for line in f:
            barcode, rest = line.split("\t", 1)
            barcodes.append(barcode)
            lines[barcode] = rest
    chosen = [barcodes[c] for c in sorted(choose(barcodes, usable))]
    n = len(features)
    count, s, ss = [0] * n, [0.0] * n, [0.0] * n
    for barcode in chosen:
        for j, cell in enumerate(lines[barcode].rstrip("\n").split("\t")):
            v = parse(cell)
            if v is None:
                continue
            count[j] += 1
            s[j] += v
            ss[j] += v * v
    kept = 0
    for j in range(n):
        if count[j] == 0:
            continue
        mean = s[j] / count[j]
        if ss[j] / count[j] - mean * mean > threshold:
            kept += 1
    return len(chosen), n, kept


def main(folder):
    usable, events, rows = read_clinical(f"{folder}/clinical.tsv")
    print("clinical rows", rows, "patients", len(usable), "events", events)
    print("mrna present/features/kept", xena(f"{folder}/mrna_rsem.xena.tsv.gz", usable, True, 7.0, 0.5))
    print("mirna present/features/kept", xena(f"{folder}/mirna_rpm.xena.tsv.gz", usable, True, 0.0, 0.5))
    print("cnv present/features/kept", samples_as_rows(f"{folder}/cnv_gene.samples.tsv.gz", usable, 0.05))


if __name__ == "__main__":
    main(sys.argv[1])
