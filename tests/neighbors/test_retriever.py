"""CosineRetriever: exactness against scikit-learn, graph/transform, validation, pickling."""

from __future__ import annotations

import pickle
import sys
import warnings

import joblib
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn import config_context
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_predict
from sklearn.neighbors import KNeighborsClassifier, KNeighborsTransformer, NearestNeighbors
from sklearn.pipeline import make_pipeline

from skcontrast.neighbors import CosineRetriever
from skcontrast.neighbors import _backends as backends_module
from skcontrast.utils._sklearn import InvalidParameterError

BACKENDS = ["numpy", "torch", "faiss"]


def _has_faiss() -> bool:
    try:
        import faiss  # noqa: F401
    except ImportError:
        return False
    return True


def _backends():
    return [
        pytest.param(
            b,
            marks=pytest.mark.skipif(
                b == "faiss" and not _has_faiss(), reason="faiss extra not installed"
            ),
        )
        for b in BACKENDS
    ]


def _cosine_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Float64 reference: 1 - cos, with zero rows at distance 1 from everything."""
    na = np.linalg.norm(a, axis=1, keepdims=True)
    nb = np.linalg.norm(b, axis=1, keepdims=True)
    a = np.divide(a, na, out=np.zeros_like(a), where=na > 0)
    b = np.divide(b, nb, out=np.zeros_like(b), where=nb > 0)
    return np.clip(1.0 - a @ b.T, 0.0, 2.0)


def _assert_exact_up_to_ties(dist, ind, X_fit, X_query, k, exclude_self, atol=1e-5):
    """Our neighbours are a valid k-nearest set: each reported distance is the true
    one, the list is ascending, has no repeats, and equals the sorted reference."""
    D = _cosine_distances(X_query, X_fit)
    if exclude_self:
        np.fill_diagonal(D, np.inf)
        assert not np.any(ind == np.arange(len(ind))[:, None]), "self returned"
    expected = np.sort(D, axis=1)[:, :k]
    np.testing.assert_allclose(dist, expected, atol=atol)
    np.testing.assert_allclose(np.take_along_axis(D, ind, axis=1), dist, atol=atol)
    assert np.all(np.diff(dist, axis=1) >= -atol)
    assert all(len(set(row)) == k for row in ind)


@pytest.fixture
def data(rng):
    X = rng.standard_normal((300, 12))
    X[[4, 50]] = 0.0  # zero rows
    X[[7, 8, 9, 10]] = X[7]  # four duplicates
    X[11] = 3.0 * X[12]  # same direction, other length
    Q = rng.standard_normal((41, 12))
    Q[3] = 0.0
    return X, Q


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("batch_size", [1, 16, 1024])
@pytest.mark.parametrize("query", ["train", "new"])
def test_matches_sklearn_nearest_neighbors(data, backend, batch_size, query):
    X, Q = data
    k = 6
    ours = CosineRetriever(n_neighbors=k, batch_size=batch_size, backend=backend).fit(X)
    ref = NearestNeighbors(n_neighbors=k, metric="cosine", algorithm="brute").fit(X)
    q = None if query == "train" else Q
    dist, ind = ours.kneighbors(q)
    ref_dist, ref_ind = ref.kneighbors(q)
    np.testing.assert_allclose(dist, ref_dist, atol=1e-6)
    _assert_exact_up_to_ties(dist, ind, X, X if q is None else Q, k, q is None)
    # rows without ties in the reference (away from zero rows and duplicates) agree exactly
    gaps = np.diff(_sorted_reference(X, q, k + 1), axis=1).min(axis=1)
    clear = gaps > 1e-5
    assert clear.sum() > 0.8 * len(clear)
    assert all(set(a) == set(b) for a, b in zip(ind[clear], ref_ind[clear], strict=True))


def _sorted_reference(X, q, m):
    D = _cosine_distances(X if q is None else q, X)
    if q is None:
        np.fill_diagonal(D, np.inf)
    return np.sort(D, axis=1)[:, :m]


@pytest.mark.parametrize("backend", ["numpy", "torch"])
@pytest.mark.parametrize("n_items", [5000, 5003])  # a multiple of the group size, and not
def test_grouped_top_k_is_exact(rng, backend, n_items):
    """Large libraries take the two-step (group maxima) selection: still exact."""
    X = rng.standard_normal((n_items, 8)).astype(np.float32)
    Q = rng.standard_normal((30, 8)).astype(np.float32)
    k = 4
    from skcontrast.neighbors._search import _use_groups

    assert _use_groups(n_items, k)
    ours = CosineRetriever(n_neighbors=k, batch_size=13, backend=backend).fit(X)
    for q in (None, Q):
        dist, ind = ours.kneighbors(q)
        _assert_exact_up_to_ties(
            dist, ind, X.astype(np.float64), X if q is None else Q, k, q is None
        )
        assert dist.dtype == np.float32


def test_backends_agree(data):
    X, Q = data
    results = [
        CosineRetriever(n_neighbors=4, backend=b).fit(X).kneighbors(Q)
        for b in BACKENDS
        if b != "faiss" or _has_faiss()
    ]
    for dist, ind in results[1:]:
        np.testing.assert_allclose(dist, results[0][0], atol=1e-6)
        clear = np.arange(len(Q)) != 3  # the zero query ties with everything
        np.testing.assert_array_equal(_canonical(ind[clear]), _canonical(results[0][1][clear]))


def _canonical(ind):
    """Rows as sorted index sets, the tied duplicates 8, 9, 10 mapped to 7."""
    return np.sort(np.where(np.isin(ind, [8, 9, 10]), 7, ind), axis=1)


@pytest.mark.parametrize("backend", _backends())
def test_duplicates_never_return_self(backend):
    base = np.array([[1.0, 2.0, 3.0]])
    X = np.vstack([np.repeat(base, 6, axis=0), [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]])
    dist, ind = CosineRetriever(n_neighbors=3, backend=backend).fit(X).kneighbors()
    for i in range(6):
        assert i not in ind[i]
        assert set(ind[i]) <= set(range(6)) - {i}
        np.testing.assert_allclose(dist[i], 0.0, atol=1e-6)


@pytest.mark.parametrize("backend", _backends())
def test_zero_vectors_have_similarity_zero(backend):
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    r = CosineRetriever(n_neighbors=3, backend=backend).fit(X)
    sims, ind = r.retrieve([[0.0, 0.0]])
    np.testing.assert_array_equal(sims, 0.0)
    dist, _ = r.kneighbors()
    assert np.isfinite(dist).all()
    np.testing.assert_allclose(dist[0], 1.0)
    # from a unit item, the zero row sits at distance exactly 1 (between 0 and 2)
    dist, ind = r.kneighbors([[1.0, 0.0]], n_neighbors=4)
    d_row = dict(zip(ind[0].tolist(), dist[0].tolist(), strict=True))
    assert d_row == pytest.approx({1: 0.0, 0: 1.0, 2: 1.0, 3: 2.0})


def test_retrieve_is_descending_similarity(data):
    X, Q = data
    r = CosineRetriever(n_neighbors=5).fit(X)
    sims, ind = r.retrieve(Q)
    dist, ind2 = r.kneighbors(Q)
    np.testing.assert_array_equal(ind, ind2)
    np.testing.assert_allclose(sims, 1.0 - dist, atol=1e-7)
    assert np.all(np.diff(sims, axis=1) <= 0)
    assert sims.min() >= -1.0 and sims.max() <= 1.0
    sims_train, ind_train = r.retrieve(n_neighbors=2)
    assert sims_train.shape == ind_train.shape == (len(X), 2)


@pytest.mark.parametrize("mode", ["connectivity", "distance"])
@pytest.mark.parametrize("query", ["train", "new"])
def test_kneighbors_graph_matches_sklearn(rng, mode, query):
    X = rng.standard_normal((80, 5))
    Q = None if query == "train" else rng.standard_normal((9, 5))
    ours = CosineRetriever(n_neighbors=4).fit(X).kneighbors_graph(Q, mode=mode)
    ref = NearestNeighbors(n_neighbors=4, metric="cosine").fit(X).kneighbors_graph(Q, mode=mode)
    assert sp.isspmatrix_csr(ours)
    assert ours.shape == ref.shape and ours.nnz == ref.nnz
    np.testing.assert_allclose(ours.toarray(), ref.toarray(), atol=1e-6)


def test_graph_follows_sparse_interface_config(rng):
    r = CosineRetriever(n_neighbors=2).fit(rng.standard_normal((10, 3)))
    with config_context(sparse_interface="sparray"):
        assert isinstance(r.transform(rng.standard_normal((2, 3))), sp.csr_array)


def test_invalid_graph_mode(rng):
    r = CosineRetriever().fit(rng.standard_normal((10, 3)))
    with pytest.raises(ValueError, match="Unsupported mode"):
        r.kneighbors_graph(mode="weights")


def test_transform_matches_kneighbors_transformer(rng):
    X = rng.standard_normal((60, 4))
    Q = rng.standard_normal((7, 4))
    ours = CosineRetriever(n_neighbors=5).fit(X)
    ref = KNeighborsTransformer(n_neighbors=5, metric="cosine", algorithm="brute").fit(X)
    for q in (Q, X):
        a, b = ours.transform(q), ref.transform(q)
        assert (a.getnnz(axis=1) == 6).all()
        np.testing.assert_allclose(a.toarray(), b.toarray(), atol=1e-6)
    Xt = ours.fit_transform(X)
    np.testing.assert_allclose(Xt.toarray(), ours.transform(X).toarray())
    # self is included, at distance 0, stored explicitly
    np.testing.assert_allclose(Xt.diagonal(), 0.0, atol=1e-6)
    assert Xt.nnz == 6 * len(X)
    names = ours.get_feature_names_out()
    assert len(names) == ours.n_samples_fit_ == 60 and names[0] == "cosineretriever0"


def test_pipeline_with_precomputed_knn_classifier(rng):
    centers = rng.standard_normal((3, 6)) * 2
    y = rng.integers(0, 3, 240)
    X = centers[y] + rng.standard_normal((240, 6))
    pipe = make_pipeline(
        CosineRetriever(n_neighbors=10), KNeighborsClassifier(n_neighbors=5, metric="precomputed")
    )
    ref = KNeighborsClassifier(n_neighbors=5, metric="cosine", algorithm="brute")
    pred = cross_val_predict(pipe, X, y, cv=3)
    ref_pred = cross_val_predict(ref, X, y, cv=3)
    np.testing.assert_array_equal(pred, ref_pred)
    assert np.mean(pred == y) > 0.6


@pytest.mark.parametrize("backend", _backends())
def test_pickle_and_joblib_roundtrip(tmp_path, data, backend):
    X, Q = data
    r = CosineRetriever(n_neighbors=3, backend=backend).fit(X)
    before = r.kneighbors(Q)  # builds the backend cache (faiss index, tensor)
    loaded = pickle.loads(pickle.dumps(r))
    path = tmp_path / "retriever.joblib"
    joblib.dump(r, path)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a read-only memory map is searched as it is
        mapped = joblib.load(path, mmap_mode="r")
        for other in (loaded, joblib.load(path), mapped):
            after = other.kneighbors(Q)
            np.testing.assert_array_equal(after[0], before[0])
            np.testing.assert_array_equal(after[1], before[1])
            np.testing.assert_array_equal(other.kneighbors()[1], r.kneighbors()[1])


def test_faiss_missing_gives_clear_error(monkeypatch, rng):
    monkeypatch.setitem(sys.modules, "faiss", None)  # makes `import faiss` fail
    with pytest.raises(ImportError, match=r"skcontrast\[faiss\]"):
        CosineRetriever(backend="faiss").fit(rng.standard_normal((10, 3)))
    # the other backends do not need it
    CosineRetriever(backend="numpy").fit(rng.standard_normal((10, 3))).kneighbors()


def test_auto_backend(monkeypatch, rng):
    X = rng.standard_normal((10, 3))
    assert CosineRetriever().fit(X).backend_ == ("torch" if torch.cuda.is_available() else "numpy")
    monkeypatch.setattr(backends_module, "_torch_device", lambda: "cuda")
    assert CosineRetriever(backend="auto").fit(X).backend_ == "torch"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_torch_backend_on_cuda_matches_numpy(data):
    X, Q = data
    a = CosineRetriever(n_neighbors=5, backend="torch").fit(X).kneighbors(Q)
    b = CosineRetriever(n_neighbors=5, backend="numpy").fit(X).kneighbors(Q)
    np.testing.assert_allclose(a[0], b[0], atol=1e-5)


def test_sparse_input_matches_dense(rng):
    X = rng.random((50, 20)) * (rng.random((50, 20)) < 0.3)
    Q = rng.random((6, 20)) * (rng.random((6, 20)) < 0.3)
    dense = CosineRetriever(n_neighbors=4, batch_size=4).fit(X)
    sparse = CosineRetriever(n_neighbors=4, batch_size=4).fit(sp.csr_matrix(X))
    np.testing.assert_allclose(sparse.kneighbors()[0], dense.kneighbors()[0], atol=1e-6)
    np.testing.assert_allclose(
        sparse.kneighbors(sp.csr_matrix(Q))[0], dense.kneighbors(Q)[0], atol=1e-6
    )


def test_input_not_modified_and_float32_kept(rng):
    X = rng.standard_normal((30, 4)).astype(np.float32)
    X_copy = X.copy()
    r = CosineRetriever(n_neighbors=3).fit(X)
    dist, _ = r.kneighbors(X)
    np.testing.assert_array_equal(X, X_copy)
    assert dist.dtype == np.float32
    assert r.transform(X).dtype == np.float32
    assert r.kneighbors(X.astype(np.float64))[0].dtype == np.float64


def test_huge_finite_values_do_not_overflow():
    X = np.array([[1e300, 1e300], [1e300, -1e300], [1.0, 1.0]])
    sims, ind = CosineRetriever(n_neighbors=1).fit(X).retrieve([[2.0, 2.0]])
    assert ind[0, 0] in (0, 2) and sims[0, 0] == pytest.approx(1.0)


@pytest.mark.parametrize("backend", _backends())
@pytest.mark.parametrize("huge", [1e42, 1e300])  # beyond float32's range, and near float64's
def test_row_of_huge_values_is_retrieved_exactly(rng, backend, huge):
    X = rng.standard_normal((30, 4))
    X[17] = huge
    X[5] = -huge
    r = CosineRetriever(n_neighbors=3, batch_size=7, backend=backend).fit(X)
    sims, ind = r.retrieve([[3.0, 3.0, 3.0, 3.0], [huge, huge, huge, huge]])
    np.testing.assert_array_equal(ind[:, 0], [17, 17])
    np.testing.assert_array_equal(sims[:, 0], 1.0)  # the same direction, exactly
    dist, ind = r.kneighbors([[-huge] * 4, X[17]])
    assert np.isfinite(dist).all()
    np.testing.assert_array_equal(ind[:, 0], [5, 17])
    np.testing.assert_array_equal(dist[:, 0], 0.0)
    dist, ind = r.kneighbors(X[[5]], n_neighbors=30)
    assert ind[0, -1] == 17 and dist[0, -1] == 2.0  # the opposite direction


# ---------------------------------------------------------------------- validation


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_input_names_the_column_and_rows(rng, bad):
    X = rng.standard_normal((20, 3))
    X[[4, 11], 1] = bad
    kind = "NaN" if np.isnan(bad) else "infinity"
    with pytest.raises(
        ValueError, match=rf"Input X contains {kind}.* column 1 at row\(s\) \[4, 11\]"
    ):
        CosineRetriever().fit(X)
    r = CosineRetriever(n_neighbors=2).fit(rng.standard_normal((20, 3)))
    Q = np.zeros((3, 3))
    Q[2, 0] = bad
    msg = rf"Input X contains {kind}.* column 0 at row\(s\) \[2\] \(value\(s\) \[{bad}\]\)"
    for method in (r.kneighbors, r.retrieve, r.kneighbors_graph, r.transform):
        for q in (Q, sp.csr_matrix(Q)):
            with pytest.raises(ValueError, match=msg):
                method(q)


def test_non_finite_message_names_the_dataframe_column(rng):
    columns = ["dose", "temp", "ph"]
    X = pd.DataFrame(rng.standard_normal((20, 3)), columns=columns)
    r = CosineRetriever(n_neighbors=2).fit(X)
    Q = X.iloc[:4].copy()
    Q.loc[[1, 3], "temp"] = np.nan
    with pytest.raises(
        ValueError, match=r"contains NaN.* column 1 \('temp'\) at row\(s\) \[1, 3\]"
    ):
        r.kneighbors(Q)
    with pytest.raises(ValueError, match=r"column 1 \('temp'\)"):
        CosineRetriever().fit(Q)


def test_too_many_neighbours(rng):
    r = CosineRetriever(n_neighbors=5).fit(rng.standard_normal((5, 3)))
    with pytest.raises(ValueError, match="n_neighbors < n_samples_fit"):
        r.kneighbors()  # 5 others are needed, only 4 exist
    assert r.kneighbors(n_neighbors=4)[1].shape == (5, 4)
    assert r.kneighbors(rng.standard_normal((2, 3)))[1].shape == (2, 5)
    with pytest.raises(ValueError, match="n_neighbors <= n_samples_fit"):
        r.kneighbors(rng.standard_normal((2, 3)), n_neighbors=6)
    with pytest.raises(ValueError, match="n_neighbors <= n_samples_fit"):
        r.transform(rng.standard_normal((2, 3)))  # n_neighbors + 1 = 6 > 5


@pytest.mark.parametrize(
    ("value", "error"), [(0, ValueError), (-1, ValueError), (2.5, TypeError), (True, TypeError)]
)
def test_bad_n_neighbors_argument(rng, value, error):
    r = CosineRetriever().fit(rng.standard_normal((10, 3)))
    with pytest.raises(error, match="n_neighbors"):
        r.kneighbors(n_neighbors=value)


def test_wrong_feature_count(rng):
    r = CosineRetriever().fit(rng.standard_normal((10, 3)))
    with pytest.raises(ValueError, match="3 features"):
        r.kneighbors(rng.standard_normal((2, 4)))


@pytest.mark.parametrize(
    "params",
    [{"n_neighbors": 0}, {"batch_size": 0}, {"backend": "annoy"}, {"n_neighbors": 1.5}],
)
def test_invalid_parameters(rng, params):
    with pytest.raises(InvalidParameterError, match=next(iter(params))):
        CosineRetriever(**params).fit(rng.standard_normal((10, 3)))


def test_batch_size_set_after_fit_is_checked(rng):
    X = rng.standard_normal((10, 3))
    r = CosineRetriever(n_neighbors=2).fit(X).set_params(batch_size=0)
    with pytest.raises(InvalidParameterError, match="batch_size"):
        r.kneighbors(X)


def test_unfitted():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        CosineRetriever().kneighbors([[1.0, 2.0]])


# ---------------------------------------------------------------------- properties


@given(
    n=st.integers(2, 40),
    d=st.integers(1, 6),
    n_queries=st.integers(1, 9),
    batch_size=st.integers(1, 50),
    backend=st.sampled_from(["numpy", "torch"]),
    seed=st.integers(0, 2**16),
    data=st.data(),
)
def test_property_exact_for_any_shape(n, d, n_queries, batch_size, backend, seed, data):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    X[rng.random(n) < 0.1] = 0.0
    Q = rng.standard_normal((n_queries, d))
    r = CosineRetriever(n_neighbors=1, batch_size=batch_size, backend=backend).fit(X)
    k_train = data.draw(st.integers(1, n - 1), label="k_train")
    dist, ind = r.kneighbors(n_neighbors=k_train)
    _assert_exact_up_to_ties(dist, ind, X, X, k_train, True)
    k_new = data.draw(st.integers(1, n), label="k_new")
    dist, ind = r.kneighbors(Q, n_neighbors=k_new)
    _assert_exact_up_to_ties(dist, ind, X, Q, k_new, False)


@pytest.mark.parametrize("grouped_k", [5, 200])  # the two-step selection, and the plain one
def test_memory_is_bounded_by_the_batch(rng, grouped_k):
    """Never the queries x items matrix: peak NumPy allocation ~ one batch block."""
    import tracemalloc

    from skcontrast.neighbors._search import _use_groups

    n_items, n_queries, batch_size = 20_000, 400, 16
    X = rng.standard_normal((n_items, 8)).astype(np.float32)
    Q = rng.standard_normal((n_queries, 8)).astype(np.float32)
    assert _use_groups(n_items, grouped_k) == (grouped_k == 5)
    r = CosineRetriever(n_neighbors=grouped_k, batch_size=batch_size, backend="numpy").fit(X)
    tracemalloc.start()
    try:
        r.kneighbors(Q)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    block = batch_size * n_items * 4
    full = n_queries * n_items * 4  # 32 MB
    assert peak < 4 * block + 2 * n_queries * grouped_k * 16 + 200_000, (peak, block)
    assert peak < full / 4


def test_failed_fit_leaves_it_unfitted(rng):
    X = rng.normal(size=(30, 4))
    bad = X.copy()
    bad[7, 2] = np.nan
    r = CosineRetriever(n_neighbors=3)
    with pytest.raises(ValueError, match="NaN"):
        r.fit(bad)  # a first fit
    with pytest.raises(NotFittedError):
        r.kneighbors(X)
    r.fit(X)
    for failing in (
        lambda: r.fit(bad),
        lambda: r.set_params(algorithm_params={"M": 8}).fit(X),
        lambda: r.set_params(metric="tanimoto", backend="torch", algorithm_params=None).fit(X),
    ):
        with pytest.raises(ValueError):
            failing()
        assert not [a for a in vars(r) if a.endswith("_") or a in ("_items", "_cache")]
        with pytest.raises(NotFittedError):
            r.kneighbors(X)
    r.set_params(metric="cosine", backend="auto").fit(X)  # a refit after failed fits
    assert pickle.dumps(r) == pickle.dumps(CosineRetriever(n_neighbors=3).fit(X))
