"""CosineRetriever results are functions of the data only (issue 11, point 1; review).

The float32 GEMM rounds a row differently depending on which other rows share
its block (chunk, backend, BLAS kernel); the float64 re-scoring must not, and
the neighbours must be the exact top k by (float64 similarity, index) over all
items, however many items tie.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from skcontrast.neighbors import CosineRetriever, _search
from skcontrast.neighbors._normalize import normalize_rows
from skcontrast.neighbors._search import MARGIN, rescore

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


def _reference(X, Q=None, k=5):
    """Exact top k by (float64 similarity desc, index asc) over all items, self excluded."""
    items = normalize_rows(X)
    queries = items if Q is None else normalize_rows(Q)
    n = len(items)
    cand = np.tile(np.arange(n), (len(queries), 1))
    if Q is None:  # drop each item's own index
        cand = cand[~np.eye(n, dtype=bool)].reshape(n, n - 1)
    sims, idx = rescore(queries, items, cand, k)
    return np.clip(1.0 - sims, 0.0, 2.0), idx


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
    d=st.integers(1, 24),  # one feature: every row is +-1 (or 0), all tied
    n_queries=st.integers(1, 12),
    k=st.integers(1, 12),
    n_copies=st.integers(0, 40),
    binary=st.booleans(),
    batch_sizes=st.tuples(st.integers(1, 20), st.integers(1, 20)),
    backends=st.tuples(st.sampled_from(AVAILABLE), st.sampled_from(AVAILABLE)),
    dtype=st.sampled_from([np.float32, np.float64]),
    seed=st.integers(0, 2**16),
)
def test_property_results_do_not_depend_on_chunk_or_backend(
    n, d, n_queries, k, n_copies, binary, batch_sizes, backends, dtype, seed
):
    """Heavy ties included: up to 40 copies of one row, binary rows, d=1, zero rows."""
    rng = np.random.default_rng(seed)
    if binary:
        X = (rng.random((n, d)) < 0.3).astype(dtype)
    else:
        X = rng.standard_normal((n, d)).astype(dtype)
    X[rng.integers(0, n, n_copies)] = X[0]  # exact duplicates, often more than the margin
    Q = np.vstack([X[rng.integers(0, n, 2)], rng.standard_normal((n_queries, d))]).astype(dtype)
    Q[-1] = X[0]
    k = min(k, n - 1)
    r1, r2 = (
        CosineRetriever(n_neighbors=k, batch_size=bs, backend=b).fit(X)
        for bs, b in zip(batch_sizes, backends, strict=True)
    )
    for q in (None, Q, Q[::-1]):
        a, b = r1.kneighbors(q), r2.kneighbors(q)
        expected = _reference(X, q, k)
        for got in (a, b):
            np.testing.assert_array_equal(got[0], expected[0].astype(dtype))
            np.testing.assert_array_equal(got[1], expected[1])
    # a row is the same alone as among the others
    full = r2.kneighbors(Q)
    for i in (0, len(Q) - 1):
        dist, ind = r1.kneighbors(Q[i : i + 1])
        np.testing.assert_array_equal(dist, full[0][i : i + 1])
        np.testing.assert_array_equal(ind, full[1][i : i + 1])
    # the first two queries are items: their nearest neighbour is at exactly 0
    nonzero = Q[:2].any(axis=1)
    np.testing.assert_array_equal(r1.kneighbors(Q[:2])[0][nonzero, 0], 0.0)


@pytest.fixture
def fingerprints():
    """256-bit rows: 30 copies each of 5 rows, scattered among 500 random rows."""
    rng = np.random.default_rng(7)
    base = rng.random((5, 256)) < 0.1
    X = np.vstack([np.repeat(base, 30, axis=0), rng.random((500, 256)) < 0.1])
    order = rng.permutation(len(X))
    j = np.flatnonzero(order == 40)[0]  # where row 40, a copy of base row 1, lands
    order[[10, j]] = order[[j, 10]]  # make it row 10
    return X[order].astype(np.float64)


@pytest.mark.parametrize("row_block", ["default", "3 rows"])
def test_ties_beyond_the_margin_give_the_same_neighbours_everywhere(
    fingerprints, monkeypatch, row_block
):
    """The review's case: indices did differ between batch sizes and backends."""
    X = fingerprints
    if row_block == "3 rows":  # rows with many ties are read back 3 at a time
        monkeypatch.setattr(_search, "_ROW_VALUES", 3 * len(X))
    copies_of_10 = np.flatnonzero((X[10] == X).all(axis=1))
    assert copies_of_10.size == 30 > 5 + MARGIN
    assert copies_of_10[0] < 10 < copies_of_10[5]
    expected_self, expected_new = _reference(X, None, 5), _reference(X, X, 5)
    for backend in AVAILABLE:
        for batch_size in BATCH_SIZES:
            r = CosineRetriever(n_neighbors=5, batch_size=batch_size, backend=backend).fit(X)
            for got, expected in ((r.kneighbors(), expected_self), (r.kneighbors(X), expected_new)):
                np.testing.assert_array_equal(got[0], expected[0])
                np.testing.assert_array_equal(got[1], expected[1])
            # a row alone is the row in the batch: the 5 smallest indices of its copies
            dist, ind = r.kneighbors(X[10:11])
            np.testing.assert_array_equal(ind[0], copies_of_10[:5])
            np.testing.assert_array_equal(dist[0], 0.0)
            sims, ind = r.retrieve(X[10:11])
            np.testing.assert_array_equal(sims[0], 1.0)


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("batch_size", [1, 1024])
def test_zero_query_gets_the_smallest_indices(rng, backend, batch_size):
    X = rng.standard_normal((300, 16))
    X[[4, 250]] = 0.0
    r = CosineRetriever(n_neighbors=6, batch_size=batch_size, backend=backend).fit(X)
    dist, ind = r.kneighbors(np.zeros((2, 16)))
    np.testing.assert_array_equal(ind, [np.arange(6)] * 2)
    np.testing.assert_array_equal(dist, 1.0)
    dist, ind = r.kneighbors()  # the zero items, each excluded from its own list
    np.testing.assert_array_equal(ind[4], [0, 1, 2, 3, 5, 6])
    np.testing.assert_array_equal(ind[250], np.arange(6))
    np.testing.assert_array_equal(dist[[4, 250]], 1.0)


@pytest.mark.parametrize("backend", _backends())
def test_more_near_ties_than_the_margin_are_settled_exactly(rng, backend):
    """k + 3 * MARGIN items closer to the query than float32 can resolve."""
    d, k, n_near = 16, 3, 3 + 3 * MARGIN
    base = rng.standard_normal(d)
    base /= np.linalg.norm(base)
    perp = rng.standard_normal((n_near, d))
    perp -= np.outer(perp @ base, base)
    perp /= np.linalg.norm(perp, axis=1, keepdims=True)
    eps = 1e-5 * rng.permutation(np.arange(1, n_near + 1))
    X = np.vstack([rng.standard_normal((100, d)), base + eps[:, None] * perp])
    X = X[rng.permutation(len(X))]
    queries = np.vstack([base, X[::7]])
    expected = _reference(X, queries, k)
    for batch_size in BATCH_SIZES:
        r = CosineRetriever(n_neighbors=k, batch_size=batch_size, backend=backend).fit(X)
        dist, ind = r.kneighbors(queries)
        np.testing.assert_array_equal(dist, expected[0])
        np.testing.assert_array_equal(ind, expected[1])


def _matmul_settings():
    """torch's legacy and per-backend float32 matmul settings ("ERR" where torch refuses)."""
    import torch

    getters = [torch.get_float32_matmul_precision, lambda: torch.backends.cuda.matmul.allow_tf32]
    if hasattr(torch.backends.mkldnn, "matmul"):  # torch 2.9+
        getters += [
            lambda: torch.backends.cuda.matmul.fp32_precision,
            lambda: torch.backends.mkldnn.matmul.fp32_precision,
        ]
    settings = []
    for get in getters:
        try:
            settings.append(get())
        except RuntimeError:  # legacy getters after mixed legacy and new settings
            settings.append("ERR")
    return settings


def _set_matmul(setting):
    import torch

    if setting.startswith("legacy:"):
        torch.set_float32_matmul_precision(setting.split(":")[1])
    else:  # "cuda:tf32", "mkldnn:bf16": the per-backend API of torch 2.9+
        backend, value = setting.split(":")
        getattr(torch.backends, backend).matmul.fp32_precision = value


@pytest.mark.parametrize(
    "setting",
    [
        "legacy:high",
        "legacy:medium",
        "legacy:highest",
        pytest.param("cuda:tf32", id="new-api-cuda-tf32"),
        pytest.param("mkldnn:bf16", id="new-api-mkldnn-bf16"),
    ],
)
def test_torch_search_runs_in_float32_and_restores_the_setting(rng, monkeypatch, setting):
    """TF32 ('high') or bfloat16 ('medium') products would break the error bound:
    the search forces IEEE float32 products and restores the user's settings."""
    import torch

    if setting.split(":")[0] != "legacy" and not hasattr(torch.backends.mkldnn, "matmul"):
        pytest.skip("torch < 2.9 has no per-backend fp32_precision")
    X = rng.standard_normal((50, 8))
    r = CosineRetriever(n_neighbors=3, backend="torch", batch_size=16).fit(X)
    expected = r.kneighbors()
    seen = []
    mm = torch.mm

    def spy(*args, **kwargs):
        seen.append(_matmul_settings())
        return mm(*args, **kwargs)

    default = _matmul_settings()
    try:
        _set_matmul(setting)
        before = _matmul_settings()
        monkeypatch.setattr(torch, "mm", spy)
        dist, ind = r.kneighbors()
        assert len(seen) == 4  # 50 queries in chunks of 16
        assert all(s == ["highest", False] + ["ieee"] * (len(s) - 2) for s in seen)
        assert _matmul_settings() == before
        np.testing.assert_array_equal(ind, expected[1])
        np.testing.assert_array_equal(dist, expected[0])

        def boom(*args, **kwargs):
            raise RuntimeError("boom")

        monkeypatch.setattr(torch, "mm", boom)
        with pytest.raises(RuntimeError, match="boom"):
            r.kneighbors()
        assert _matmul_settings() == before  # restored on error too
    finally:
        torch.set_float32_matmul_precision(default[0])
        if len(default) > 2:
            torch.backends.cuda.matmul.fp32_precision = default[2]
            torch.backends.mkldnn.matmul.fp32_precision = default[3]
    assert _matmul_settings() == default
