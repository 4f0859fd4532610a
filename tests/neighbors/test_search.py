"""The search kernels (``_search.py``) and the backend table (``_backends.py``).

The kernels' float32 candidates, the float64 scores that settle them, and the
backend classes: their names, minimum chunk, availability, building (never
pickled) and registration by name.
"""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
import torch

from skcontrast.neighbors import CosineRetriever, _backends, _search
from skcontrast.neighbors._backends import (
    BACKEND_NAMES,
    BACKENDS,
    FaissBackend,
    NumpyBackend,
    SearchBackend,
    TorchBackend,
    resolve_backend,
)
from skcontrast.neighbors._normalize import normalize_rows
from skcontrast.neighbors._search import rescore
from skcontrast.utils._sklearn import InvalidParameterError

AVAILABLE = [name for name, backend in BACKENDS.items() if backend.available()]


# ---------------------------------------------------------------------- float64 scores


@pytest.mark.parametrize("d", [1, 3, 8, 9, 37, 128, 129, 300, 1000])
def test_pair_similarity_alone_equals_in_a_batch(d, monkeypatch):
    """The value of a pair depends on its two rows only: not its position, the slice
    size, the threads; duplicates give exactly 1 (qq, xx and dot summed alike)."""
    rng = np.random.default_rng(d)
    items = normalize_rows(rng.standard_normal((40, d)))
    items[3] = 0.0
    queries = np.vstack([items[5], items[17], normalize_rows(rng.standard_normal((6, d)))])
    q64, qq = queries.astype(np.float64), _search.squared_norms(queries)
    xx = _search.squared_norms(items)
    rows = np.repeat(np.arange(len(queries)), len(items))
    cols = np.tile(rng.permutation(len(items)), len(queries))
    batch = _search.pair_similarities(q64, qq, items, xx, rows, cols)
    assert batch.dtype == np.float64
    for i in rng.choice(len(rows), 25, replace=False):
        r, c = rows[i : i + 1], cols[i : i + 1]
        zero = np.zeros(1, dtype=np.int64)
        alone = _search.pair_similarities(q64[r], qq[r], items[c], xx[c], zero, zero)
        assert alone[0] == batch[i]
        # a row's squared norm alone equals its value among the others
        assert _search.squared_norms(items[c])[0] == xx[c[0]]
    # the column-wise layout of the candidates gives the same bits (kept pairs:
    # a prefix of each row, of any length)
    grid, expected = cols.reshape(len(queries), -1), batch.reshape(len(queries), -1)
    keep = np.arange(grid.shape[1]) < rng.integers(1, grid.shape[1] + 1, (len(queries), 1))

    def same_values():
        np.testing.assert_array_equal(
            _search.pair_similarities(q64, qq, items, xx, rows, cols), batch
        )
        by_column = _search.candidate_similarities(q64, qq, items, xx, grid, keep)
        np.testing.assert_array_equal(by_column[keep], expected[keep])
        assert (by_column[~keep] == -np.inf).all()
        np.testing.assert_array_equal(_search.squared_norms(items), xx)

    same_values()
    # other slice sizes and several threads give the same bits
    monkeypatch.setattr(_search, "_PAIR_VALUES", 3 * d + 1)
    monkeypatch.setattr(_search, "_THREAD_VALUES", 0)
    monkeypatch.setattr(_search, "_n_threads", lambda: 3)
    same_values()
    # exact copies: similarity exactly 1; the zero row: exactly 0
    np.testing.assert_array_equal(batch[(rows == 0) & (cols == 5)], 1.0)
    np.testing.assert_array_equal(batch[(rows == 1) & (cols == 17)], 1.0)
    np.testing.assert_array_equal(batch[cols == 3], 0.0)


def test_rescore_orders_ties_by_index():
    items = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    sims, idx = rescore(items[:1], items, np.array([[3, 1, 2, 0]]), 3)
    np.testing.assert_array_equal(idx, [[0, 2, 3]])
    np.testing.assert_array_equal(sims, [[1.0, 1.0, 1.0]])


@pytest.mark.parametrize("d", [1, 2, 7, 64, 256, 2048])
def test_float32_similarities_are_within_the_error_bound(d):
    """The bound that settle relies on holds for every backend's float32 products."""
    rng = np.random.default_rng(d)
    X = rng.standard_normal((300, d)) * np.exp(rng.normal(0, 3, (300, d)))  # wide exponents
    X[:50] = X[50] + 1e-4 * rng.standard_normal((50, d))  # near-parallel rows
    items = normalize_rows(X)
    queries = items[::10]
    q64 = queries.astype(np.float64)
    rows, cols = np.nonzero(np.ones((len(queries), len(items)), dtype=bool))
    s64 = _search.pair_similarities(
        q64, _search.squared_norms(queries), items, _search.squared_norms(items), rows, cols
    ).reshape(len(queries), len(items))
    import torch

    products = [queries @ items.T, (torch.from_numpy(queries) @ torch.from_numpy(items).T).numpy()]
    for s32 in products:
        assert np.abs(s32 - s64).max() <= _search.error_bound(d)


# ---------------------------------------------------------------------- kernels


def _items_and_queries(rng, n_items=700, d=12, n_queries=37):
    items = normalize_rows(rng.standard_normal((n_items, d)))
    queries = normalize_rows(rng.standard_normal((n_queries, d)))
    return _search.pad_items(items), n_items, queries


def _chunks(queries, step):
    return [(s, queries[s : s + step]) for s in range(0, len(queries), step)]


@pytest.mark.parametrize("exclude_self", [False, True])
def test_kernels_yield_the_float32_top_k_of_each_chunk(rng, exclude_self):
    """Each kernel yields, per chunk, k candidates per query, descending, and rows
    of float32 similarities; the candidates are a top k of the float32 products."""
    items, n_items, queries = _items_and_queries(rng)
    if exclude_self:
        queries = items[:37]
    k = 9
    full = queries @ items[:n_items].T
    if exclude_self:
        full[np.arange(37), np.arange(37)] = -np.inf
    for backend in AVAILABLE:
        searcher = BACKENDS[backend]()
        searcher.build(items, n_items)
        starts = []
        for c in searcher.search(_chunks(queries, 10), k, exclude_self):
            starts.append(c.start)
            rows = np.arange(c.queries.shape[0])
            assert c.sims.shape == c.indices.shape == (rows.size, k)
            assert np.all(np.diff(c.sims, axis=1) <= 0)
            ref = full[c.start + rows]
            kth = np.sort(ref, axis=1)[:, -k]
            np.testing.assert_allclose(c.sims[:, -1], kth, atol=1e-6)
            np.testing.assert_allclose(
                np.take_along_axis(ref, c.indices, axis=1), c.sims, atol=1e-6
            )
            if exclude_self:
                assert not np.any(c.indices == (c.start + rows)[:, None])
            # valid until the next chunk is yielded
            np.testing.assert_allclose(c.row_sims(rows[:2]), ref[:2], atol=1e-6)
        assert starts == [0, 10, 20, 30]


def test_kernels_take_no_batch_size():
    """The chunking is the caller's: no kernel takes a ``batch_size``."""
    import inspect

    for kernel in (_search.search_numpy, _search.search_torch, _search.search_faiss):
        assert "batch_size" not in inspect.signature(kernel).parameters


# ---------------------------------------------------------------------- backends


def test_one_table_of_backends():
    assert list(BACKENDS)[:3] == ["numpy", "torch", "faiss"]  # others may be registered
    for name, backend in BACKENDS.items():
        assert issubclass(backend, SearchBackend) and backend.name == name
    assert set(BACKEND_NAMES) == {"auto", *BACKENDS} and len(BACKEND_NAMES) == len(BACKENDS) + 1
    assert "auto" in BACKEND_NAMES and "annoy" not in BACKEND_NAMES
    assert NumpyBackend.min_chunk == TorchBackend.min_chunk == 1
    assert FaissBackend.min_chunk == 16_384
    assert NumpyBackend.available() and TorchBackend.available()


def test_faiss_chunks_are_at_least_its_minimum(rng, monkeypatch):
    """The retriever raises batch_size to the backend's min_chunk."""
    seen = []
    search = NumpyBackend.search

    def spy(self, chunks, k, exclude_self):
        chunks = list(chunks)
        seen.append([len(q) for _, q in chunks])
        return search(self, chunks, k, exclude_self)

    monkeypatch.setattr(NumpyBackend, "search", spy)
    monkeypatch.setattr(NumpyBackend, "min_chunk", 8)
    X = rng.standard_normal((20, 3))
    CosineRetriever(n_neighbors=2, batch_size=3, backend="numpy").fit(X).kneighbors()
    assert seen == [[8, 8, 4]]


def test_numpy_chunks_are_bounded_by_its_block(rng, monkeypatch):
    """batch_size is lowered to max_block // n_items queries, never below MIN_BLOCK_QUERIES."""
    seen = []
    search = NumpyBackend.search

    def spy(self, chunks, k, exclude_self):
        chunks = list(chunks)
        seen.append([len(q) for _, q in chunks])
        return search(self, chunks, k, exclude_self)

    monkeypatch.setattr(NumpyBackend, "search", spy)
    assert NumpyBackend.max_block == 1 << 22 and TorchBackend.max_block is None
    X, Q = rng.standard_normal((200, 3)), rng.standard_normal((300, 3))
    monkeypatch.setattr(NumpyBackend, "max_block", 200 * 100)  # 100 queries per chunk
    r = CosineRetriever(n_neighbors=2, batch_size=1024, backend="numpy").fit(X)
    expected = CosineRetriever(n_neighbors=2, backend="torch")
    expected = expected.fit(X).kneighbors(Q)
    result = r.kneighbors(Q)
    monkeypatch.setattr(NumpyBackend, "max_block", 200)  # 1 query: raised to the minimum
    r.kneighbors(Q)
    assert seen == [[100, 100, 100], [64] * 4 + [44]]
    for a, b in zip(result, expected, strict=True):
        np.testing.assert_array_equal(a, b)


def test_resolve_backend(monkeypatch):
    monkeypatch.setattr(_backends, "_torch_device", lambda: "cpu")
    assert resolve_backend("auto") is NumpyBackend
    monkeypatch.setattr(_backends, "_torch_device", lambda: "cuda")
    assert resolve_backend("auto") is TorchBackend
    assert resolve_backend("numpy") is NumpyBackend


def test_unavailable_backend_raises_its_message(monkeypatch):
    monkeypatch.setitem(sys.modules, "faiss", None)  # makes `import faiss` fail
    assert not FaissBackend.available()
    with pytest.raises(ImportError, match=r"skcontrast\[faiss\]"):
        resolve_backend("faiss")


@pytest.mark.parametrize("backend", AVAILABLE)
def test_built_backend_is_never_pickled(rng, backend):
    X = rng.standard_normal((40, 5))
    r = CosineRetriever(n_neighbors=3, backend=backend).fit(X)
    assert "backend" not in r._cache  # built on the first search
    expected = r.kneighbors()
    built = r._cache["backend"]
    assert isinstance(built, BACKENDS[backend])
    if backend == "torch":
        assert isinstance(built.items_tensor, torch.Tensor)
    loaded = pickle.loads(pickle.dumps(r))
    assert loaded._cache == {}
    np.testing.assert_array_equal(loaded.kneighbors()[1], expected[1])
    assert loaded._cache["backend"] is not built


def test_a_registered_backend_is_a_valid_value(rng, monkeypatch):
    """The contributor's example (docs/developers.rst): register a class by name."""

    class CountingBackend(NumpyBackend):
        name = "counting"
        calls = 0

        def search(self, chunks, k, exclude_self):
            CountingBackend.calls += 1
            return super().search(chunks, k, exclude_self)

    monkeypatch.setitem(BACKENDS, CountingBackend.name, CountingBackend)
    X = rng.standard_normal((30, 4))
    r = CosineRetriever(n_neighbors=3, backend="counting").fit(X)
    assert r.backend_ == "counting"
    np.testing.assert_array_equal(
        r.kneighbors()[1], CosineRetriever(n_neighbors=3, backend="numpy").fit(X).kneighbors()[1]
    )
    assert CountingBackend.calls == 1
    monkeypatch.delitem(BACKENDS, "counting")
    with pytest.raises(InvalidParameterError, match="backend"):
        CosineRetriever(backend="counting").fit(X)
