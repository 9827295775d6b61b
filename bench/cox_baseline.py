#!/usr/bin/env python3
"""Penalised Cox baseline on the clinical variables, over FedSurv's own folds.

Reads the clinical TSV and a folds file written by `site-agent train
--folds-out FILE` (columns `patient`, `fold`), fits lifelines' CoxPHFitter
(penalizer 0.1) on one-hot cancer type, gender, race and histological type plus
age for each training split, and prints the test C-index per fold as JSON.
Categorical levels are fitted on the training split; unseen levels become all
zeros. Age is imputed with the training median and standardised.

Usage: cox_baseline.py CLINICAL.tsv FOLDS.tsv
"""
import json
import sys

import numpy as np
import pandas as pd
from lifelines import CoxPHFitter
from lifelines.utils import concordance_index

CATEGORICAL = ["type", "gender", "race", "histological_type"]


def design(frame, levels, age_median, age_mean, age_sd):
    columns = {}
    for variable in CATEGORICAL:
        values = frame[variable].fillna("").astype(str)
        for level in levels[variable][1:]:  # first level is the reference
            columns[f"{variable}={level}"] = (values == level).astype(float)
    age = frame["age_at_initial_pathologic_diagnosis"].astype(float).fillna(age_median)
    columns["age"] = (age - age_mean) / age_sd
    return pd.DataFrame(columns, index=frame.index)


def main():
    clinical = pd.read_csv(sys.argv[1], sep="\t", dtype=str, keep_default_na=False, na_values=[""])
    folds = pd.read_csv(sys.argv[2], sep="\t", dtype={"patient": str, "fold": int})
    clinical = clinical.set_index("bcr_patient_barcode").loc[folds["patient"]]
    clinical["OS"] = clinical["OS"].astype(float)
    clinical["OS.time"] = clinical["OS.time"].astype(float)
    results = []
    for fold in sorted(folds["fold"].unique()):
        test_mask = (folds["fold"] == fold).to_numpy()
        train, test = clinical[~test_mask], clinical[test_mask]
        levels = {v: sorted(train[v].fillna("").astype(str).unique()) for v in CATEGORICAL}
        age = train["age_at_initial_pathologic_diagnosis"].astype(float)
        median = age.median()
        filled = age.fillna(median)
        x_train = design(train, levels, median, filled.mean(), filled.std())
        x_test = design(test, levels, median, filled.mean(), filled.std())
        frame = x_train.assign(T=train["OS.time"].to_numpy(), E=train["OS"].to_numpy())
        model = CoxPHFitter(penalizer=0.1)
        model.fit(frame, duration_col="T", event_col="E")
        risk = model.predict_partial_hazard(x_test).to_numpy()
        c_index = concordance_index(test["OS.time"].to_numpy(), -risk, test["OS"].to_numpy())
        results.append({"fold": int(fold), "c_index": float(c_index), "train": int(len(train)),
                        "test": int(len(test))})
    values = np.array([r["c_index"] for r in results])
    print(json.dumps({"model": "lifelines CoxPHFitter penalizer=0.1, clinical one-hot + age",
                      "folds": results, "mean": float(values.mean()), "sd": float(values.std(ddof=1))}))


if __name__ == "__main__":
    main()
