"""CosineRetriever fitted on dask arrays: sharded search equals in-memory search, bit for bit."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError

from skcontrast.neighbors import CosineRetriever, recall_at_k
from skcontrast.utils._dask import is_dask_collection

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")


@pytest.fixture(autouse=True)
def _threaded_scheduler():
    with dask.config.set(scheduler="threads"):
        yield


def _data(n=300, d=12, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(n, d)).astype(dtype), rng.normal(size=(40, d)).astype(dtype)


CHUNKINGS = [
    (300,),  # one shard
    (100, 100, 100),
    (7, 150, 1, 142),  # uneven, with a 1-row shard
    (1, 1, 1, 297),  # several 1-row shards
    (150, 0, 150),  # an empty block
    (15,) * 20,  # many shards (X=None searches each block against every shard)
    (3,) * 5 + (285,),  # shards smaller than k
]


def _assert_same(a, b):
    (da_, ia), (db, ib) = a, b
    np.testing.assert_array_equal(ia, ib)
    np.testing.assert_array_equal(da_, db)  # equal, not close
    assert da_.dtype == db.dtype


@pytest.mark.parametrize("chunks", CHUNKINGS, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sharded_equals_in_memory(chunks, dtype):
    X, Q = _data(dtype=dtype)
    ref = CosineRetriever(n_neighbors=5).fit(X)
    shd = CosineRetriever(n_neighbors=5).fit(da.from_array(X, chunks=(chunks, -1)))
    assert shd.n_samples_fit_ == 300 and shd.n_features_in_ == 12
    _assert_same(shd.kneighbors(Q), ref.kneighbors(Q))
    _assert_same(shd.kneighbors(), ref.kneighbors())  # self excluded
    _assert_same(shd.retrieve(Q, n_neighbors=9), ref.retrieve(Q, n_neighbors=9))
    assert (shd.kneighbors_graph(Q) != ref.kneighbors_graph(Q)).nnz == 0


@pytest.mark.parametrize("chunks", [(100, 100, 100), (7, 150, 1, 142)], ids=str)
def test_dask_queries(chunks):
    X, Q = _data()
    ref = CosineRetriever(n_neighbors=4).fit(X)
    Qd = da.from_array(Q, chunks=((13, 1, 26), -1))
    shd = CosineRetriever(n_neighbors=4).fit(da.from_array(X, chunks=(chunks, -1)))
    _assert_same(shd.kneighbors(Qd), ref.kneighbors(Q))
    _assert_same(ref.kneighbors(Qd), ref.kneighbors(Q))  # in-memory items, dask queries


def test_k_larger_than_every_shard_and_up_to_n_items():
    X, Q = _data(n=30)
    ref = CosineRetriever().fit(X)
    shd = CosineRetriever().fit(da.from_array(X, chunks=((4, 1, 10, 15), -1)))
    _assert_same(shd.kneighbors(Q, n_neighbors=30), ref.kneighbors(Q, n_neighbors=30))
    _assert_same(shd.kneighbors(None, n_neighbors=29), ref.kneighbors(None, n_neighbors=29))


def test_k_larger_than_n_items_raises_as_in_memory():
    X, Q = _data(n=30)
    ref = CosineRetriever().fit(X)
    shd = CosineRetriever().fit(da.from_array(X, chunks=10))
    for r in (ref, shd):
        with pytest.raises(ValueError, match="n_neighbors <= n_samples_fit, but n_neighbors = 31"):
            r.kneighbors(Q, n_neighbors=31)
        with pytest.raises(ValueError, match="n_neighbors < n_samples_fit, but n_neighbors = 30"):
            r.kneighbors(n_neighbors=30)


def test_ties_go_to_the_lower_global_index():
    # every item duplicated in another shard, plus zero rows and a zero query
    rng = np.random.default_rng(1)
    base = rng.integers(0, 2, size=(20, 6)).astype(np.float64)
    X = np.vstack([base, base[::-1], np.zeros((3, 6)), base])
    Q = np.vstack([base[:10], np.zeros((1, 6))])
    ref = CosineRetriever(n_neighbors=6).fit(X)
    for chunks in [(21, 22, 20), (5,) * 12 + (3,), (63,)]:
        shd = CosineRetriever(n_neighbors=6).fit(da.from_array(X, chunks=(chunks, -1)))
        _assert_same(shd.kneighbors(Q), ref.kneighbors(Q))
        _assert_same(shd.kneighbors(), ref.kneighbors())
    # a duplicate is at distance 0, and the lower index of the tied copies comes first
    dist, ind = shd.kneighbors(base[:1], n_neighbors=3)
    np.testing.assert_array_equal(dist[0], 0.0)
    np.testing.assert_array_equal(ind[0], [0, 39, 43])


def test_self_excluded():
    X, _ = _data(n=50)
    shd = CosineRetriever(n_neighbors=3).fit(da.from_array(X, chunks=7))
    ind = shd.kneighbors(return_distance=False)
    assert not (ind == np.arange(50)[:, None]).any()


@settings(max_examples=15, deadline=None)
@given(
    n=st.integers(2, 40),
    cuts=st.lists(st.integers(1, 39), max_size=5),
    k=st.integers(1, 6),
    seed=st.integers(0, 2**16),
)
def test_any_chunking_equals_in_memory(n, cuts, k, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5)).round(1)  # rounding makes near-ties and exact ties
    Q = rng.normal(size=(6, 5)).round(1)
    bounds = sorted({0, n, *(c for c in cuts if c < n)})
    chunks = tuple(np.diff(bounds))
    ref = CosineRetriever().fit(X)
    shd = CosineRetriever().fit(da.from_array(X, chunks=(chunks, -1)))
    _assert_same(shd.kneighbors(Q, n_neighbors=min(k, n)), ref.kneighbors(Q, n_neighbors=min(k, n)))
    kk = min(k, n - 1)
    _assert_same(shd.kneighbors(None, n_neighbors=kk), ref.kneighbors(None, n_neighbors=kk))


def test_column_chunks_and_unknown_row_chunks():
    X, Q = _data()
    ref = CosineRetriever().fit(X)
    Xd = da.from_array(X, chunks=(60, 5))  # split across columns too
    _assert_same(CosineRetriever().fit(Xd).kneighbors(Q), ref.kneighbors(Q))
    Xu = Xd[da.from_array(np.arange(300) % 3 != 5, chunks=60)]  # row chunks unknown (nan)
    assert np.isnan(Xu.chunks[0][0])
    _assert_same(CosineRetriever().fit(Xu).kneighbors(Q), ref.kneighbors(Q))


def test_items_never_gathered_into_one_block():
    X, _ = _data()
    shd = CosineRetriever().fit(da.from_array(X, chunks=100))
    assert len(shd._shards) == 3
    assert [s.n_samples_fit_ for s in dask.compute(*shd._shards)] == [100, 100, 100]


def test_bad_block_names_the_rows():
    X, _ = _data()
    X[157, 3] = np.nan
    with pytest.raises(ValueError, match=r"block of rows 150 to 199") as info:
        CosineRetriever().fit(da.from_array(X, chunks=50))
    assert "NaN" in str(info.value)
    assert "at row(s) [157] " in str(info.value)  # the row of X, not of its block
    ref = CosineRetriever().fit(np.abs(X[:10]))
    Qd = da.from_array(X[140:170], chunks=10)
    with pytest.raises(ValueError, match=r"block of rows 10 to 19.*at row\(s\) \[17\] "):
        ref.kneighbors(Qd)  # X[157] is row 17 of Qd
    shd = CosineRetriever().fit(da.from_array(np.abs(X[:10]), chunks=5))
    with pytest.raises(ValueError, match=r"block of rows 10 to 19.*at row\(s\) \[17\] "):
        shd.kneighbors(Qd)


def test_wrong_features_and_options_rejected():
    X, _ = _data()
    shd = CosineRetriever().fit(da.from_array(X, chunks=100))
    with pytest.raises(ValueError, match="X has 5 features, but CosineRetriever is expecting 12"):
        shd.kneighbors(da.zeros((3, 5), chunks=3))
    with pytest.raises(ValueError, match="X has 5 features"):
        shd.kneighbors(np.zeros((3, 5)))
    with pytest.raises(ValueError, match="metric='cosine' with algorithm='exact'"):
        CosineRetriever(metric="tanimoto").fit(da.from_array((X > 0).astype(int), chunks=100))
    with pytest.raises(ValueError, match="metric='cosine' with algorithm='exact'"):
        CosineRetriever(algorithm="hnsw").fit(da.from_array(X, chunks=100))
    with pytest.raises(ValueError, match="expected a 2-D dask array"):
        CosineRetriever().fit(da.zeros(5, chunks=2))


def test_pickle_refused_with_to_local_named_and_to_local_equal():
    X, Q = _data()
    shd = CosineRetriever(n_neighbors=3).fit(da.from_array(X, chunks=((7, 150, 1, 142), -1)))
    with pytest.raises(TypeError, match=r"to_local\(\)"):
        pickle.dumps(shd)
    local = shd.to_local()
    assert local is not shd
    ref = CosineRetriever(n_neighbors=3).fit(X)
    _assert_same(local.kneighbors(Q), ref.kneighbors(Q))
    assert pickle.dumps(local) == pickle.dumps(ref)  # the same fitted state
    assert ref.to_local() is ref


def test_skops_refused():
    sio = pytest.importorskip("skops.io")
    X, _ = _data()
    shd = CosineRetriever().fit(da.from_array(X, chunks=100))
    with pytest.raises(TypeError, match=r"to_local\(\)"):
        sio.dumps(shd)


def test_refit_in_memory_drops_the_shards():
    X, Q = _data()
    r = CosineRetriever().fit(da.from_array(X, chunks=100))
    r.fit(X)
    pickle.dumps(r)  # an ordinary retriever again
    _assert_same(r.kneighbors(Q), CosineRetriever().fit(X).kneighbors(Q))


def test_recall_refused_on_sharded():
    X, _ = _data()
    shd = CosineRetriever().fit(da.from_array(X, chunks=100))
    with pytest.raises(ValueError, match="dask array"):
        recall_at_k(shd, k=3)


def test_distributed_local_cluster_equal():
    distributed = pytest.importorskip("distributed")
    X, Q = _data()
    ref = CosineRetriever(n_neighbors=4).fit(X)
    with distributed.Client(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ):
        shd = CosineRetriever(n_neighbors=4).fit(da.from_array(X, chunks=((7, 150, 1, 142), -1)))
        _assert_same(shd.kneighbors(Q), ref.kneighbors(Q))
        _assert_same(shd.kneighbors(), ref.kneighbors())


def test_failed_fit_leaves_it_unfitted_and_refit_works():
    X, Q = _data()
    bad = X.copy()
    bad[157, 3] = np.nan
    r = CosineRetriever()
    with pytest.raises(ValueError, match="NaN"):
        r.fit(da.from_array(bad, chunks=50))  # a first fit
    with pytest.raises(NotFittedError):
        r.kneighbors(Q)
    r.fit(da.from_array(X, chunks=50))
    with pytest.raises(ValueError, match="NaN"):
        r.fit(da.from_array(bad, chunks=50))  # a refit: the old shards are not kept
    assert not hasattr(r, "_shards") and not hasattr(r, "n_samples_fit_")
    with pytest.raises(NotFittedError):
        r.kneighbors(Q)
    r.fit(da.from_array(X, chunks=50))
    _assert_same(r.kneighbors(Q), CosineRetriever().fit(X).kneighbors(Q))
    r.fit(X)  # in memory: the pickle of a fresh fit
    assert pickle.dumps(r) == pickle.dumps(CosineRetriever().fit(X))


def test_distributed_bad_block_raises_in_fit():
    distributed = pytest.importorskip("distributed")
    X, Q = _data()
    X[157, 3] = np.nan
    with distributed.Client(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    ):
        r = CosineRetriever()
        with pytest.raises(ValueError, match=r"rows 150 to 199.*at row\(s\) \[157\]"):
            r.fit(da.from_array(X, chunks=50))
        with pytest.raises(NotFittedError):
            r.kneighbors(Q)


def test_is_dask_collection():
    class Lazy:  # the dask collection protocol, with and without a graph
        def __init__(self, graph):
            self.graph = graph

        def __dask_graph__(self):
            return self.graph

    assert is_dask_collection(da.zeros(3))
    assert is_dask_collection(dask.delayed(sum)([1, 2]))
    assert not is_dask_collection(np.zeros(3))
    assert not is_dask_collection(da.Array)  # a class is not a collection
    assert not is_dask_collection(Lazy(None))
    assert is_dask_collection(Lazy({"x": 1}))
