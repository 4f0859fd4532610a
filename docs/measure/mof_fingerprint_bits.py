"""Count the set bits of the MOF linkers' Morgan fingerprints (augmentation page).

Reads the lectures' MOF synthesis file (``../shared/data/mof_yield_dataset.csv``
beside the repository, or the path given as the first argument) and prints, for
the distinct ``linker_smiles``, the minimum, median and maximum number of set
bits of a radius-2, 2048-bit Morgan fingerprint from RDKit's
``rdFingerprintGenerator``. Run from the repository root:

    PYTHONPATH=. python docs/measure/mof_fingerprint_bits.py [path/to/mof_yield_dataset.csv]
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator

DEFAULT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "mof_yield_dataset.csv"

if __name__ == "__main__":
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    frame = pd.read_csv(path)
    linkers = frame["linker_smiles"].unique()
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    bits = [int(generator.GetFingerprintAsNumPy(Chem.MolFromSmiles(s)).sum()) for s in linkers]
    print(f"{len(frame)} syntheses, {len(linkers)} distinct linkers")
    print(f"set bits of 2048: min {min(bits)}, median {np.median(bits)}, max {max(bits)}")
