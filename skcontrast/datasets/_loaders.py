"""Loaders of real files that the user points to (nothing is downloaded or bundled)."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pandas as pd

MOF_COLUMNS = ["linker_smiles", "temperature", "time_h", "concentration_M", "solvent_DMF", "yield"]
MOF_PROCESS_COLUMNS = ["temperature", "time_h", "concentration_M", "solvent_DMF"]


def load_mof_synthesis(path: str | os.PathLike, *, success_threshold: float = 20.0) -> pd.DataFrame:
    """Read MOF synthesis records (the lecture 12 layout) and add a ``success`` column.

    The CSV must hold ``linker_smiles, temperature, time_h, concentration_M,
    solvent_DMF, yield`` (yield in percent); other columns are kept. ``success``
    is ``yield > success_threshold`` (the lecture's label: yield above 20 %).
    Rows are never dropped: missing values in the required columns are an error.

    Parameters
    ----------
    path : str or path-like
        A local path or a URL that :func:`pandas.read_csv` can open. Nothing is
        downloaded unless you pass a URL.
    success_threshold : float, default=20.0
        Yield (percent) above which a synthesis counts as a success.

    Returns
    -------
    pandas.DataFrame
        The file's columns plus ``success`` (int 0/1).

    Raises
    ------
    ValueError
        When required columns are missing (named in the message); when they hold
        missing, infinite or non-numeric values, or yields outside [0, 100] (first
        rows named); when the file has no records or already has a ``success``
        column.

    Examples
    --------
    >>> import io
    >>> from skcontrast.datasets import load_mof_synthesis
    >>> csv = io.StringIO(
    ...     "linker_smiles,temperature,time_h,concentration_M,solvent_DMF,yield\\n"
    ...     "OC(=O)c1ccc(cc1)C(=O)O,120,24,0.1,1,35.0\\n"
    ...     "OC(=O)c1ccc(cc1)C(=O)O,80,12,0.05,0,4.5\\n")
    >>> load_mof_synthesis(csv)["success"].tolist()
    [1, 0]
    """
    frame = pd.read_csv(path)
    missing = [c for c in MOF_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(
            f"the MOF synthesis file lacks the column(s) {missing}; it must hold "
            f"{MOF_COLUMNS} (found {list(frame.columns)})."
        )
    if "success" in frame.columns:
        raise ValueError(
            "the MOF synthesis file already has a 'success' column; load_mof_synthesis "
            f"derives it from yield > {success_threshold}, so rename or drop the file's own."
        )
    if len(frame) == 0:
        raise ValueError("the MOF synthesis file has a header but no records.")
    numeric = [c for c in MOF_COLUMNS if c != "linker_smiles"]
    for column in numeric:
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = (~np.isfinite(values.to_numpy(dtype=float))).nonzero()[0]
        if bad.size:
            shown = ", ".join(f"row {i}: {frame[column].iloc[i]!r}" for i in bad[:5])
            raise ValueError(
                f"column {column!r} has {bad.size} missing, infinite or non-numeric "
                f"value(s) ({shown})."
            )
        frame[column] = values
    bad = ((frame["yield"] < 0) | (frame["yield"] > 100)).to_numpy().nonzero()[0]
    if bad.size:
        shown = ", ".join(f"row {i}: {frame['yield'].iloc[i].item()!r}" for i in bad[:5])
        raise ValueError(
            f"column 'yield' must be a percentage in [0, 100]; {bad.size} value(s) are not "
            f"({shown})."
        )
    if frame["yield"].max() <= 1.0 and success_threshold > 1.0:
        warnings.warn(
            f"every yield is at most 1: the file seems to give yields as fractions, so "
            f"yield > {success_threshold} labels every record a failure. Multiply the "
            "yields by 100 (percent) or pass success_threshold as a fraction.",
            UserWarning,
            stacklevel=2,
        )
    bad = frame["linker_smiles"].isna().to_numpy().nonzero()[0]
    if bad.size:
        raise ValueError(
            f"column 'linker_smiles' has {bad.size} missing value(s) (rows {bad[:5].tolist()})."
        )
    frame["success"] = (frame["yield"] > success_threshold).astype("int64")
    return frame
