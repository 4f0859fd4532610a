"""CosineRetriever(metric="tanimoto"): exact Tanimoto search equal to RDKit's (issue 17)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from skcontrast.neighbors import CosineRetriever, _tanimoto
from skcontrast.utils._sklearn import InvalidParameterError


def reference_similarities(Q: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Direct float64 formula: sum of minima over (|a| + |b| - sum of minima), 0 for 0/0."""
    Q, X = np.asarray(Q, dtype=np.int64), np.asarray(X, dtype=np.int64)
    common = np.minimum(Q[:, None, :], X[None, :, :]).sum(axis=2)
    denom = Q.sum(axis=1)[:, None] + X.sum(axis=1)[None, :] - common
    return np.divide(common, denom, out=np.zeros(common.shape), where=denom > 0)


def reference_top_k(sims: np.ndarray, k: int, exclude_self: bool = False):
    """Top k by (similarity descending, index ascending), optionally without the diagonal."""
    sims = sims.copy()
    if exclude_self:
        np.fill_diagonal(sims, -np.inf)
    cols = np.broadcast_to(np.arange(sims.shape[1]), sims.shape)
    idx = np.lexsort((cols, -sims), axis=1)[:, :k]
    return np.take_along_axis(sims, idx, axis=1), idx


def _fingerprint_matrix(seed: int, n: int, d: int, max_count: int, density: float):
    rng = np.random.default_rng(seed)
    X = rng.integers(1, max_count + 1, size=(n, d)) * (rng.random((n, d)) < density)
    X[rng.random(n) < 0.1] = 0  # some all-zero rows
    if n > 3:
        X[n - 1] = X[0]  # an exact duplicate
    return X


# ---------------------------------------------------------------------- exactness


@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 40),
    d=st.integers(1, 30),
    max_count=st.sampled_from([1, 1, 3, 255, 2**40]),
    density=st.floats(0.0, 1.0),
    k=st.integers(1, 40),
    batch_size=st.sampled_from([1, 3, 1024]),
)
def test_equals_direct_float64_formula(seed, n, d, max_count, density, k, batch_size):
    X = _fingerprint_matrix(seed, n, d, max_count, density)
    Q = _fingerprint_matrix(seed + 1, 7, d, max_count + 2, density)  # values beyond the items'
    r = CosineRetriever(metric="tanimoto", batch_size=batch_size).fit(X)
    k_q, k_self = min(k, n), min(k, n - 1)
    sims, idx = r.retrieve(Q, n_neighbors=k_q)
    exp_sims, exp_idx = reference_top_k(reference_similarities(Q, X), k_q)
    np.testing.assert_array_equal(idx, exp_idx)
    np.testing.assert_array_equal(sims, exp_sims)
    if k_self >= 1:
        dist, idx = r.kneighbors(n_neighbors=k_self)
        exp_sims, exp_idx = reference_top_k(reference_similarities(X, X), k_self, True)
        np.testing.assert_array_equal(idx, exp_idx)
        np.testing.assert_array_equal(dist, 1.0 - exp_sims)


@pytest.mark.parametrize("storage", ["dense", "sparse"])
@pytest.mark.parametrize("product_dtype", ["float32", "float64"])
def test_item_storage_and_product_dtype_do_not_change_results(monkeypatch, storage, product_dtype):
    X = _fingerprint_matrix(0, 60, 40, 5, 0.3)
    expected = reference_top_k(reference_similarities(X, X), 6, exclude_self=True)
    if storage == "sparse":
        monkeypatch.setattr(_tanimoto, "DENSE_BYTES", 0)
    if product_dtype == "float64":
        monkeypatch.setattr(_tanimoto, "_FLOAT32_EXACT", 0)
    r = CosineRetriever(metric="tanimoto", n_neighbors=6).fit(X)
    dist, idx = r.kneighbors()
    index = r._tanimoto_index()
    assert sp.issparse(index.item_matrix) == (storage == "sparse")
    assert index.item_matrix.dtype == product_dtype
    np.testing.assert_array_equal(idx, expected[1])
    np.testing.assert_array_equal(dist, 1.0 - expected[0])


@pytest.mark.parametrize("fmt", ["dense", "csr", "csr_float", "bool"])
def test_input_formats_give_the_same_result(fmt):
    X = _fingerprint_matrix(3, 50, 64, 1, 0.2)
    exp_sims, exp_idx = reference_top_k(reference_similarities(X[:5], X), 4)
    data = {
        "dense": X.astype(np.uint8),
        "csr": sp.csr_matrix(X.astype(np.uint8)),
        "csr_float": sp.csr_array(X.astype(np.float32)),
        "bool": X.astype(bool),
    }[fmt]
    sims, idx = CosineRetriever(metric="tanimoto", n_neighbors=4).fit(data).retrieve(data[:5])
    assert sims.dtype == np.float64
    np.testing.assert_array_equal(idx, exp_idx)
    np.testing.assert_array_equal(sims, exp_sims)


def test_ties_zero_rows_and_duplicates():
    X = np.array([[1, 1, 0], [0, 0, 0], [1, 1, 0], [0, 0, 0], [1, 0, 0], [1, 1, 0]])
    r = CosineRetriever(metric="tanimoto", n_neighbors=3).fit(X)
    sims, idx = r.retrieve([[0, 0, 0], [1, 1, 0], [0, 0, 5]])
    # a zero query has similarity 0 to everything (RDKit's 0 for 0/0): smallest indices
    np.testing.assert_array_equal(idx, [[0, 1, 2], [0, 2, 5], [0, 1, 2]])
    np.testing.assert_array_equal(sims, [[0, 0, 0], [1, 1, 1], [0, 0, 0]])
    dist, idx = r.kneighbors(n_neighbors=2)
    np.testing.assert_array_equal(idx[0], [2, 5])  # its duplicates, itself excluded
    np.testing.assert_array_equal(dist[0], [0.0, 0.0])
    np.testing.assert_array_equal(idx[1], [0, 2])  # zero item: all at distance 1


def test_count_levels_beyond_and_below_the_items():
    """Query counts above the largest, below the smallest, and in empty columns."""
    X = np.array([[2, 0, 5], [4, 0, 0], [3, 0, 1]])
    Q = np.array([[9, 7, 0], [1, 0, 3], [0, 4, 2]])
    r = CosineRetriever(metric="tanimoto", n_neighbors=3).fit(X)
    sims, idx = r.retrieve(Q)
    exp_sims, exp_idx = reference_top_k(reference_similarities(Q, X), 3)
    np.testing.assert_array_equal(idx, exp_idx)
    np.testing.assert_array_equal(sims, exp_sims)
    # [9, 7, 0] against [4, 0, 0]: min sum 4 over 16 + 4 - 4
    assert sims[0][list(idx[0]).index(1)] == 4 / 16


# ---------------------------------------------------------------------- RDKit


def _rdkit_reference(fps, queries, k, exclude_self):
    from rdkit import DataStructs

    sims = np.array([DataStructs.BulkTanimotoSimilarity(fps[q], fps) for q in queries])
    if exclude_self:
        sims[np.arange(len(queries)), queries] = -np.inf
    cols = np.broadcast_to(np.arange(len(fps)), sims.shape)
    idx = np.lexsort((cols, -sims), axis=1)[:, :k]
    return np.take_along_axis(sims, idx, axis=1), idx


@pytest.mark.parametrize("count", [False, True])
def test_equals_rdkit_bulk_tanimoto_on_real_fingerprints(shared_data, count):
    pytest.importorskip("rdkit")
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator

    from skcontrast.featurize import MorganFeaturizer

    smiles = (shared_data / "diverse_molecules.smi").read_text().split()[:400]
    X = MorganFeaturizer(count=count, sparse_output=True).fit_transform(smiles)
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=2048)
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    fps = [generator.GetCountFingerprint(m) if count else generator.GetFingerprint(m) for m in mols]

    r = CosineRetriever(metric="tanimoto", n_neighbors=10, batch_size=64).fit(X)
    sims, idx = r.retrieve(X[:100])
    exp_sims, exp_idx = _rdkit_reference(fps, np.arange(100), 10, exclude_self=False)
    np.testing.assert_array_equal(idx, exp_idx)
    np.testing.assert_array_equal(sims, exp_sims)  # the same doubles as RDKit's

    dist, idx = r.kneighbors(n_neighbors=5)
    exp_sims, exp_idx = _rdkit_reference(fps, np.arange(len(fps)), 5, exclude_self=True)
    np.testing.assert_array_equal(idx, exp_idx)
    np.testing.assert_array_equal(dist, 1.0 - exp_sims)


# ---------------------------------------------------------------------- API


def test_graph_transform_and_pickle():
    X = _fingerprint_matrix(5, 30, 16, 4, 0.4)
    r = CosineRetriever(metric="tanimoto", n_neighbors=3).fit(X)
    graph = r.kneighbors_graph(X[:4], mode="distance")
    dist, idx = r.kneighbors(X[:4])
    np.testing.assert_array_equal(graph.toarray()[np.arange(4)[:, None], idx], dist)
    assert r.transform(X[:4]).getnnz(axis=1).tolist() == [4] * 4
    again = pickle.loads(pickle.dumps(r))
    for a, b in zip(again.kneighbors(X[:4]), (dist, idx), strict=True):
        np.testing.assert_array_equal(a, b)
    assert r.__sklearn_tags__().input_tags.positive_only


@pytest.mark.parametrize(
    ("value", "what"),
    [(-1, "-1.0"), (0.5, "0.5"), (2.0**53, "9007199254740992.0")],
)
@pytest.mark.parametrize("where", ["fit", "query"])
@pytest.mark.parametrize("sparse", [False, True])
def test_bad_values_name_column_row_and_value(value, what, where, sparse):
    X = np.ones((6, 4))
    bad = X.copy()
    bad[4, 2] = value
    to = sp.csr_matrix if sparse else np.asarray
    r = CosineRetriever(metric="tanimoto", n_neighbors=2)
    with pytest.raises(ValueError, match=rf"column 2 at row\(s\) \[4\] \(value\(s\) \[{what}\]\)"):
        if where == "fit":
            r.fit(to(bad))
        else:
            r.fit(to(X)).retrieve(to(bad))


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_non_finite_values_are_refused(value):
    X = pd.DataFrame(np.ones((5, 3)), columns=["a", "b", "c"])
    X.iloc[3, 1] = value
    with pytest.raises(ValueError, match=r"column 1 \('b'\) at row\(s\) \[3\]"):
        CosineRetriever(metric="tanimoto", n_neighbors=2).fit(X)


def test_huge_row_totals_are_refused():
    X = np.full((3, 4), 2**51, dtype=np.int64)
    with pytest.raises(ValueError, match=r"add up to more than 2\*\*52 .*row\(s\) \[0, 1, 2\]"):
        CosineRetriever(metric="tanimoto", n_neighbors=1).fit(X)


@pytest.mark.parametrize("backend", ["torch", "faiss"])
def test_cosine_backends_are_refused_for_tanimoto(backend):
    with pytest.raises(ValueError, match=f"backend='{backend}'.*metric='tanimoto'"):
        CosineRetriever(metric="tanimoto", backend=backend).fit(np.eye(3))


def test_jaccard_is_not_an_alias():
    """sklearn's/SciPy's "jaccard" binarises counts: not RDKit's count Tanimoto."""
    with pytest.raises(InvalidParameterError, match="metric"):
        CosineRetriever(metric="jaccard").fit(np.eye(3))


def test_the_fitted_metric_decides():
    X = _fingerprint_matrix(8, 20, 10, 3, 0.5)
    r = CosineRetriever(metric="tanimoto", n_neighbors=3).fit(X)
    expected = r.retrieve(X[:2])
    r.set_params(metric="cosine")  # not refitted: still a Tanimoto index
    for a, b in zip(r.retrieve(X[:2]), expected, strict=True):
        np.testing.assert_array_equal(a, b)
