"""Molecules shared by the featurizer tests (written here, not copied from any data set)."""

from __future__ import annotations

#: Small, varied molecules: aromatic and aliphatic rings, heteroatoms, charges,
#: isotopes, explicit hydrogens, stereo, salts, a metal complex, a name suffix.
SMILES = [
    "CCO",
    "c1ccccc1",
    "CC(=O)Oc1ccccc1C(=O)O",
    "CN1C=NC2=C1C(=O)N(C(=O)N2C)C",
    "C[C@H](N)C(=O)O",
    "C[C@@H](N)C(=O)O",
    "F/C=C/F",
    "F/C=C\\F",
    "[13CH4]",
    "[2H]C([2H])([2H])O",
    "[H]OC([H])([H])[H]",
    "[NH4+].[Cl-]",
    "C[N+](C)(C)C",
    "O=[N+]([O-])c1ccc(cc1)C(=O)O",
    "c1ccc2c(c1)[nH]c1ccccc12",
    "C1CC2CCC1C2",
    "OC(=O)/C=C/C(=O)O",
    "O=C(O)c1ccc(cc1)C(=O)O",
    "[Cu+2].[O-]C(=O)C.[O-]C(=O)C",
    "Clc1ccc(Cl)c(Cl)c1",
    "CC(C)(C)c1ccc(O)cc1",
    "N#Cc1ccncc1",
    "S=C=S",
    "CCO ethanol",
    "C1=CC=CC=C1",
]

#: Strings RDKit rejects, each for a different reason.
INVALID = ["C1CC", "c1cccc1", "C(C)(C)(C)(C)C", "X", "", "   "]
