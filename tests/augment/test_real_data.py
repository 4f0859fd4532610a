"""Lecture 12's process view on the real MOF synthesis records (../shared/data)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skcontrast.augment import ConditionJitter, make_views

PROCESS = ["temperature", "time_h", "concentration_M", "solvent_DMF"]


def test_mof_process_view_by_column_names(shared_data):
    df = pd.read_csv(shared_data / "mof_yield_dataset.csv")
    X = df[PROCESS]
    bounds = [(X[c].min(), X[c].max()) for c in ["temperature", "time_h"]]
    jitter = ConditionJitter(
        std=[2.0, 0.0],
        relative_std=[0.0, 0.05],
        bounds=bounds,
        columns=["temperature", "time_h"],
        random_state=0,
    ).fit(X)
    v1, v2 = make_views(jitter, X)
    assert isinstance(v1, pd.DataFrame) and v1.index.equals(X.index)
    # the solvent flag and concentration are untouched; T and time stay in range
    pd.testing.assert_frame_equal(
        v1[["concentration_M", "solvent_DMF"]], X[["concentration_M", "solvent_DMF"]].astype(float)
    )
    assert v1["temperature"].between(*bounds[0]).all() and v1["time_h"].between(*bounds[1]).all()
    assert not v1.equals(v2)
    # lecture 12's z-space recipe after a StandardScaler, in one Pipeline
    zview = make_pipeline(
        StandardScaler(), ConditionJitter(std=0.05, mask_prob=0.05, random_state=0)
    ).fit(X)
    (z,) = make_views(zview, X, n_views=1)
    masked = np.isclose(z, zview[-1].mean_, atol=0).any(axis=1)
    assert 0.03 < masked.mean() < 0.07
