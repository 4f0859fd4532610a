"""CosineRetriever distances are functions of the two rows only (issue 11, point 1).

The float32 GEMM rounds a row differently depending on which other rows share
its block (chunk, backend, BLAS kernel); the float64 re-scoring must not.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from skcontrast.neighbors import CosineRetriever
from skcontrast.neighbors._search import MARGIN, rescore
from skcontrast.neighbors._validation import normalize_rows

BACKENDS = ["numpy", "torch", "faiss"]
BATCH_SIZES = [1, 7, 1024]


def _has_faiss() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


AVAILABLE = BACKENDS if _has_faiss() else BACKENDS[:2]


def _backends():
    skip = pytest.mark.skipif(not _has_faiss(), reason="faiss extra not installed")
    return [pytest.param(b, marks=skip) if b == "faiss" else b for b in BACKENDS]


@pytest.fixture
def with_duplicates(rng):
    """50 random 64-d rows, then exact copies of the first 10 (the issue's case)."""
    X = rng.standard_normal((50, 64))
    return np.vstack([X, X[:10]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("batch_size", BATCH_SIZES)
@pytest.mark.parametrize("backend", _backends())
def test_exact_duplicates_are_at_distance_zero(with_duplicates, backend, batch_size, dtype):
    X = with_duplicates.astype(dtype)
    r = CosineRetriever(n_neighbors=3, batch_size=batch_size, backend=backend).fit(X)
    partner = np.r_[np.arange(50, 60), np.arange(10)]
    rows = np.r_[np.arange(10), np.arange(50, 60)]
    dist, ind = r.kneighbors()  # each item excluded, its copy found
    np.testing.assert_array_equal(dist[rows, 0], 0.0)
    np.testing.assert_array_equal(ind[rows, 0], partner)
    assert dist.dtype == dtype
    assert (dist[rows, 1:] > 0).all() and (dist[10:50, 0] > 0).all()
    # as new queries, a row and its copy are both at 0, the smaller index first
    dist, ind = r.kneighbors(X[rows])
    np.testing.assert_array_equal(dist[:, :2], 0.0)
    np.testing.assert_array_equal(ind[:, :2], np.sort(np.c_[rows, partner], axis=1))
    sims, _ = r.retrieve(X[rows])
    np.testing.assert_array_equal(sims[:, :2], 1.0)
    graph = r.transform(X[rows])  # 4 stored distances per row, ascending
    np.testing.assert_array_equal(graph.data.reshape(20, 4)[:, :2], 0.0)


def _random(rng, n, d, dtype=np.float64):
    return rng.standard_normal((n, d)).astype(dtype)


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_subset_of_queries_gives_the_same_rows(rng, backend, dtype):
    """The rows of a subset equal those of the full query set, for any batch size."""
    X, Q = _random(rng, 300, 48, dtype), _random(rng, 83, 48, dtype)
    subsets = [np.arange(83), np.arange(0, 83, 3), np.array([5]), np.array([82, 0, 41, 7])]
    full = CosineRetriever(n_neighbors=5, batch_size=1024, backend=backend).fit(X).kneighbors(Q)
    for batch_size in BATCH_SIZES:
        r = CosineRetriever(n_neighbors=5, batch_size=batch_size, backend=backend).fit(X)
        for rows in subsets:
            dist, ind = r.kneighbors(Q[rows])
            np.testing.assert_array_equal(dist, full[0][rows])
            np.testing.assert_array_equal(ind, full[1][rows])
        np.testing.assert_array_equal(
            r.transform(Q[7:30]).toarray(), r.transform(Q)[7:30].toarray()
        )


@pytest.mark.parametrize("query", ["train", "new"])
def test_backends_and_batch_sizes_agree_exactly(rng, query):
    X, Q = _random(rng, 400, 32), _random(rng, 50, 32)
    q = None if query == "train" else Q
    results = [
        CosineRetriever(n_neighbors=6, batch_size=bs, backend=b).fit(X).retrieve(q)
        for b in AVAILABLE
        for bs in BATCH_SIZES
    ]
    for sims, ind in results[1:]:
        np.testing.assert_array_equal(ind, results[0][1])
        np.testing.assert_array_equal(sims, results[0][0])


def test_fortran_ordered_and_sparse_queries_give_the_same_rows(rng):
    X = _random(rng, 120, 40)
    Q = _random(rng, 30, 40) * (rng.random((30, 40)) < 0.5)
    r = CosineRetriever(n_neighbors=4, batch_size=7).fit(X)
    expected = r.kneighbors(Q)
    for other in (np.asfortranarray(Q), sp.csr_matrix(Q)):
        dist, ind = r.kneighbors(other)
        np.testing.assert_array_equal(dist, expected[0])
        np.testing.assert_array_equal(ind, expected[1])
    # normalisation is per row, whatever the layout (float64 output shows 1-ulp changes)
    for dtype in (np.float32, np.float64):
        full = normalize_rows(Q, dtype=dtype)
        np.testing.assert_array_equal(normalize_rows(np.asfortranarray(Q), dtype=dtype), full)
        for i in range(len(Q)):
            np.testing.assert_array_equal(normalize_rows(Q, i, i + 1, dtype=dtype)[0], full[i])


def test_rescore_is_the_sequential_float64_sum():
    """Each value is the plain sum in feature order, whatever the number of pairs."""
    rng = np.random.default_rng(0)
    d = 37  # not a multiple of any SIMD width
    items = normalize_rows(rng.standard_normal((20, d)))
    items[3] = 0.0
    queries = np.vstack([items[5], normalize_rows(rng.standard_normal((4, d)))])
    cand = rng.permuted(np.tile(np.arange(20), (5, 1)), axis=1)

    def reference(q, x):
        dot = qq = xx = 0.0
        for a, b in zip(q.tolist(), x.tolist(), strict=True):
            dot, qq, xx = dot + a * b, qq + a * a, xx + b * b
        return 0.0 if qq * xx == 0 else min(1.0, max(-1.0, dot / math.sqrt(qq * xx)))

    sims, idx = rescore(queries, items, cand, 20)
    assert sims.dtype == np.float64 and idx.dtype == np.int64
    for i in range(5):
        assert sims[i].tolist() == [reference(queries[i], items[j]) for j in idx[i]]
        assert sorted(idx[i]) == list(range(20))
        assert all(np.diff(sims[i]) <= 0)
    assert sims[0, 0] == 1.0 and idx[0, 0] == 5  # the query's own row
    assert sims[0][idx[0] == 3] == 0.0  # the zero row
    # one pair at a time gives the same values
    for i, j in [(0, 5), (2, 11), (4, 3)]:
        single = rescore(queries[i : i + 1], items, np.array([[j]]), 1)[0][0, 0]
        assert single == reference(queries[i], items[j])


def test_rescore_orders_ties_by_index():
    items = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    sims, idx = rescore(items[:1], items, np.array([[3, 1, 2, 0]]), 3)
    np.testing.assert_array_equal(idx, [[0, 2, 3]])
    np.testing.assert_array_equal(sims, [[1.0, 1.0, 1.0]])


@pytest.mark.parametrize("backend", _backends())
def test_k_plus_margin_candidates_settle_near_ties(rng, backend):
    """k + 8 items closer to the query than float32 can resolve: float64 ranks them."""
    d, k, n_near = 16, 3, 3 + 8
    assert n_near <= k + MARGIN  # the candidates can hold them all
    base = rng.standard_normal(d)
    base /= np.linalg.norm(base)
    perp = rng.standard_normal((n_near, d))
    perp -= np.outer(perp @ base, base)
    perp /= np.linalg.norm(perp, axis=1, keepdims=True)
    # 1 - cos = eps**2 / 2 <= 3e-9, below float32's resolution near 1 (6e-8);
    # the last of these items is the closest
    eps = 1e-5 * np.arange(n_near, 0, -1)
    X = np.vstack([base + eps[:, None] * perp, rng.standard_normal((200, d))])
    queries = np.vstack([base, X[::7]])
    results = [
        CosineRetriever(n_neighbors=k, batch_size=bs, backend=backend).fit(X).kneighbors(queries)
        for bs in BATCH_SIZES
    ]
    for dist, ind in results[1:]:
        np.testing.assert_array_equal(dist, results[0][0])
        np.testing.assert_array_equal(ind, results[0][1])
    np.testing.assert_array_equal(results[0][1][0], [n_near - 1, n_near - 2, n_near - 3])
    # the float64 ranking of every item
    sims, ind = rescore(normalize_rows(base[None]), normalize_rows(X), np.arange(len(X))[None], k)
    np.testing.assert_array_equal(results[0][1][0], ind[0])
    np.testing.assert_array_equal(results[0][0][0], np.clip(1.0 - sims[0], 0.0, 2.0))


@given(
    n=st.integers(2, 60),
    d=st.integers(2, 24),  # one feature: every row is +-1, all tied
    n_queries=st.integers(1, 12),
    k=st.integers(1, 12),
    batch_sizes=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    backends=st.tuples(st.sampled_from(AVAILABLE), st.sampled_from(AVAILABLE)),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_property_results_do_not_depend_on_chunk_or_backend(
    n, d, n_queries, k, batch_sizes, backends, dtype, seed
):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(dtype)
    X[rng.integers(0, n, 3)] = X[0]  # exact duplicates, fewer than the margin
    Q = np.vstack([X[rng.integers(0, n, 2)], rng.standard_normal((n_queries, d))]).astype(dtype)
    r1, r2 = (
        CosineRetriever(n_neighbors=min(k, n - 1), batch_size=bs, backend=b).fit(X)
        for bs, b in zip(batch_sizes, backends, strict=True)
    )
    for q in (None, Q, Q[::-1]):
        a, b = r1.kneighbors(q), r2.kneighbors(q)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])
    # a row is the same alone as among the others
    dist, ind = r1.kneighbors(Q[-1:])
    np.testing.assert_array_equal(dist, r2.kneighbors(Q)[0][-1:])
    np.testing.assert_array_equal(ind, r2.kneighbors(Q)[1][-1:])
    # the first two queries are items: their nearest neighbour is at exactly 0
    np.testing.assert_array_equal(r1.kneighbors(Q[:2])[0][:, 0], 0.0)
