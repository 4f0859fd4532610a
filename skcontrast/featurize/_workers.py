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
from rdkit import Chem, DataStructs
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

    ``MolFromSmiles`` parses, then calls RDKit's in-place
    ``MolOps::removeHs(mol, implicitOnly=False, updateExplicitCount=True,
    sanitize=True)``, then perceives stereochemistry. The last step changes no
    atom or bond invariant that a fingerprint without chirality reads
    (element, degree, hydrogens, charge, isotope, rings, bond orders), so the
    Morgan bits are identical (checked on every molecule of the real data sets
    and by a property test). The same molecules are rejected, since
    sanitization is where ``MolFromSmiles`` fails.

    Python's ``Chem.RemoveHs`` works on a copy of the molecule, which costs
    about a tenth of the parse. For a molecule without hydrogen atoms the
    removal itself does nothing, so the C++ function's other steps are run in
    place instead, in its order: ``updatePropertyCache(strict=False)`` on
    every atom, ``clearComputedProps(includeRings=True)``, ``sanitizeMol``.
    Molecules with hydrogen (or dummy) atoms take ``Chem.RemoveHs``.
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
        if raw.GetNumHeavyAtoms() != raw.GetNumAtoms():  # H (or dummy) atoms present
            return Chem.RemoveHs(
                raw, implicitOnly=False, updateExplicitCount=True, sanitize=True
            )
        raw.UpdatePropertyCache(strict=False)
        raw.ClearComputedProps(includeRings=True)
        Chem.SanitizeMol(raw)
    except Exception:  # RDKit's sanitization errors (valence, kekulization, ...)
        return None
    return raw


#: MorganFeaturizer stores counts as uint8, saturating at this value.
COUNT_MAX = 255

#: Molecules parsed, then fingerprinted, together: the parser's and the
#: fingerprint generator's code each stay hot in the CPU caches for a whole
#: block, and only this many ``Mol`` objects are alive at once.
BLOCK = 256


def _bits_packed(generator: Any, mols: list) -> np.ndarray:
    """Bit fingerprints of ``mols`` as rows of bytes, bit ``j`` in byte ``j // 8``,
    least significant bit first (``numpy.unpackbits(..., bitorder="little")``).

    One batched ``GetFingerprints`` call, then RDKit's hex dump of each bit
    vector (the FPS format's byte order): no per-bit Python work, unlike
    ``GetFingerprintAsNumPy``, which sets the bits one NumPy item at a time.
    """
    fingerprints = generator.GetFingerprints(mols, numThreads=1)
    text = "".join(map(DataStructs.BitVectToFPSText, fingerprints))
    return np.frombuffer(bytes.fromhex(text), dtype=np.uint8).reshape(len(mols), -1)


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

    Works in blocks of :data:`BLOCK` molecules: parse the block, then
    fingerprint it. Returns uint8 rows (bits, or counts saturated at 255) and
    the validity mask; invalid molecules get zero rows. With ``pack`` (to cut
    inter-process traffic) bit rows stay packed, little-endian bit order, as
    ``ceil(n_bits / 8)`` bytes; count rows are never packed.
    """
    generator = rdFingerprintGenerator.GetMorganGenerator(
        radius=radius, fpSize=n_bits, includeChirality=include_chirality
    )
    packed = pack and not count
    rows = np.zeros((len(items), (n_bits + 7) // 8 if packed else n_bits), dtype=np.uint8)
    valid = np.ones(len(items), dtype=bool)
    # stereo perception only matters to the bits when chirality is included
    to_mol_ = to_mol if include_chirality else to_mol_without_stereo
    with BlockLogs():
        for start in range(0, len(items), BLOCK):
            mols = [to_mol_(item) for item in items[start : start + BLOCK]]
            ok = np.fromiter((mol is not None for mol in mols), dtype=bool, count=len(mols))
            valid[start : start + len(mols)] = ok
            good = [mol for mol in mols if mol is not None]
            if not good:
                continue
            if count:
                fingerprint = generator.GetCountFingerprintAsNumPy
                block = np.stack([np.minimum(fingerprint(mol), COUNT_MAX) for mol in good])
            else:
                block = _bits_packed(generator, good)
                if not packed:
                    block = np.unpackbits(block, axis=1, count=n_bits, bitorder="little")
            rows[start : start + len(mols)][ok] = block
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


def all_descriptor_names() -> tuple[str, ...]:
    """The names of RDKit's descriptor list (``Descriptors.descList``), in its order.

    Whatever the installed RDKit provides (217 names in RDKit 2026.03); the
    list can change between RDKit releases.
    """
    from rdkit.Chem import Descriptors

    return tuple(name for name, _ in Descriptors.descList)


def descriptor_chunk(
    items: list, *, names: tuple[str, ...], pack: bool
) -> tuple[np.ndarray, np.ndarray]:
    """RDKit descriptors (float64) of a chunk of distinct SMILES/Mols.

    Parsed exactly as ``Chem.MolFromSmiles`` does (stereo included: some
    descriptors count stereocentres). A descriptor that raises gives NaN (as
    ``Descriptors.CalcMolDescriptors(mol, missingVal=nan)`` does), which the
    caller reports. Invalid molecules get zero rows and ``valid`` False.
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
