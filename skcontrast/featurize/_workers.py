"""Chunk functions that run in worker processes: NumPy and RDKit only.

They are shipped to joblib's (loky) workers **by value** through cloudpickle,
so a fresh worker imports only NumPy and RDKit, not skcontrast, scikit-learn,
pandas or torch: the first parallel call then starts in well under a second
instead of several. (Registering this module with
``cloudpickle.register_pickle_by_value`` affects only functions defined here.)
RDKit objects are built inside the workers; only strings (or pickled ``Mol``
inputs) go in and NumPy arrays come back.
"""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from rdkit.rdBase import BlockLogs


def _register_pickle_by_value() -> None:
    """Ask the cloudpickle(s) that joblib's loky backend uses to ship this module by value."""
    for name in ("cloudpickle", "joblib.externals.cloudpickle"):
        try:
            module = __import__(name, fromlist=["register_pickle_by_value"])
            module.register_pickle_by_value(sys.modules[__name__])
        except (ImportError, AttributeError, ValueError):  # pragma: no cover - by reference
            continue


_register_pickle_by_value()


def to_mol(item: Any) -> Chem.Mol | None:
    """Parse one SMILES exactly as ``Chem.MolFromSmiles`` does, or pass a Mol through.

    Call it under the caller's :class:`~rdkit.rdBase.BlockLogs`. Empty strings
    and molecules without atoms are invalid (None).
    """
    try:
        mol = Chem.MolFromSmiles(item) if isinstance(item, str) else item
    except UnicodeEncodeError:  # lone surrogates cannot reach RDKit (UTF-8)
        return None
    if mol is None or mol.GetNumAtoms() == 0:
        return None
    return mol


def to_mol_without_stereo(item: Any) -> Chem.Mol | None:
    """Parse one SMILES like ``Chem.MolFromSmiles`` but skip stereo perception.

    ``MolFromSmiles`` parses, sanitizes while removing explicit hydrogens
    (``RemoveHs(implicitOnly=False, updateExplicitCount=True, sanitize=True)``),
    then perceives stereochemistry. The last step costs about a third of the
    parse and changes no atom or bond invariant that a fingerprint without
    chirality reads (element, degree, hydrogens, charge, isotope, rings, bond
    orders), so the Morgan bits are identical (checked on every molecule of
    the real data sets and by a property test). The same molecules are
    rejected, since sanitization is where ``MolFromSmiles`` fails.
    """
    if not isinstance(item, str):
        return to_mol(item)
    try:
        raw = Chem.MolFromSmiles(item, sanitize=False)
    except UnicodeEncodeError:  # lone surrogates cannot reach RDKit (UTF-8)
        return None
    if raw is None or raw.GetNumAtoms() == 0:
        return None
    try:
        return Chem.RemoveHs(raw, implicitOnly=False, updateExplicitCount=True, sanitize=True)
    except Exception:  # RDKit's sanitization errors (valence, kekulization, ...)
        return None


#: MorganFeaturizer stores counts as uint8, saturating at this value.
COUNT_MAX = 255


def morgan_chunk(
    items: list,
    *,
    radius: int,
    n_bits: int,
    count: bool,
    include_chirality: bool,
    pack: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Fingerprint a chunk of distinct SMILES/Mols; runs in a worker or in-process.

    Parsing and fingerprinting happen in one pass per molecule (the Mol is freed
    at once, which keeps the loop cache-friendly). Returns uint8 rows (bit-packed
    along the features when ``pack``, to cut inter-process traffic) and the
    validity mask; invalid molecules get zero rows.
    """
    generator = rdFingerprintGenerator.GetMorganGenerator(
        radius=radius, fpSize=n_bits, includeChirality=include_chirality
    )
    rows = np.zeros((len(items), n_bits), dtype=np.uint8)
    valid = np.ones(len(items), dtype=bool)
    # stereo perception only matters to the bits when chirality is included
    to_mol_ = to_mol if include_chirality else to_mol_without_stereo
    with BlockLogs():
        if count:
            fingerprint = generator.GetCountFingerprintAsNumPy
            for i, item in enumerate(items):
                mol = to_mol_(item)
                if mol is None:
                    valid[i] = False
                else:
                    rows[i] = np.minimum(fingerprint(mol), COUNT_MAX)
        else:
            fingerprint = generator.GetFingerprintAsNumPy
            for i, item in enumerate(items):
                mol = to_mol_(item)
                if mol is None:
                    valid[i] = False
                else:
                    rows[i] = fingerprint(mol)
    if pack and not count:
        return np.packbits(rows, axis=1), valid
    return rows, valid




def descriptor_table() -> dict[str, Any]:
    """RDKit's descriptor list by name, plus ``rdMolDescriptors.CalcNum*`` as ``Num*``.

    ``Descriptors.descList`` (MolWt, MolLogP, TPSA, RingCount, ...) is extended
    with the counting functions of :mod:`rdkit.Chem.rdMolDescriptors` under
    their names without ``Calc`` (NumRings, NumAtoms, NumHBA, ...) where
    ``descList`` lacks them. Built afresh in each process (cheap), never cached
    in a module global, so that shipping the chunk function stays small.
    """
    from rdkit.Chem import Descriptors, rdMolDescriptors

    table = dict(Descriptors.descList)
    for name in dir(rdMolDescriptors):
        if name.startswith("CalcNum"):
            table.setdefault(name[len("Calc") :], getattr(rdMolDescriptors, name))
    return table


def descriptor_chunk(
    items: list, *, names: tuple[str, ...], pack: bool
) -> tuple[np.ndarray, np.ndarray]:
    """RDKit descriptors (float64) of a chunk of distinct SMILES/Mols.

    Parsed exactly as ``Chem.MolFromSmiles`` does (stereo included: some
    descriptors count stereocentres). A descriptor that raises gives NaN, which
    the caller reports. Invalid molecules get zero rows and ``valid`` False.
    """
    table = descriptor_table()
    functions = [table[name] for name in names]
    rows = np.zeros((len(items), len(names)), dtype=np.float64)
    valid = np.ones(len(items), dtype=bool)
    with BlockLogs():
        for i, item in enumerate(items):
            mol = to_mol(item)
            if mol is None:
                valid[i] = False
                continue
            for j, function in enumerate(functions):
                try:
                    rows[i, j] = function(mol)
                except Exception:  # RDKit raises on some exotic molecules
                    rows[i, j] = np.nan
    return rows, valid
