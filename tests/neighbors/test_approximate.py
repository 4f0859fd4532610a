"""CosineRetriever(algorithm="hnsw" / "ivf") on faiss, and recall_at_k."""

from __future__ import annotations

import pickle
import sys

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from skcontrast.neighbors import CosineRetriever, recall_at_k

faiss = pytest.importorskip("faiss")

APPROX = ["hnsw", "ivf"]


def _clusters(n=3000, d=16, n_clusters=30, spread=0.05, seed=0):
    """Items around ``n_clusters`` random directions, and queries near the same centres."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(n_clusters, d))
    X = centres[rng.integers(n_clusters, size=n)] + spread * rng.normal(size=(n, d))
    Q = centres[rng.integers(n_clusters, size=100)] + spread * rng.normal(size=(100, d))
    return X, Q


@pytest.mark.parametrize("algorithm", APPROX)
def test_recall_high_on_clustered_data(algorithm):
    X, Q = _clusters()
    r = CosineRetriever(algorithm=algorithm).fit(X)
    assert recall_at_k(r, Q, k=10) >= 0.95
    assert recall_at_k(r, k=10, n_queries=200) >= 0.95


@pytest.mark.parametrize("algorithm", APPROX)
def test_distances_are_the_exact_ones_of_the_items_returned(algorithm):
    X, Q = _clusters(n=800)
    dist, ind = CosineRetriever(n_neighbors=10, algorithm=algorithm).fit(X).kneighbors(Q)
    all_dist, all_ind = CosineRetriever().fit(X).kneighbors(Q, n_neighbors=800)
    lookup = np.empty_like(all_dist)
    np.put_along_axis(lookup, all_ind, all_dist, axis=1)
    np.testing.assert_array_equal(dist, np.take_along_axis(lookup, ind, axis=1))  # equal
    assert (np.diff(dist, axis=1) >= 0).all()
    assert all(len(set(row)) == 10 for row in ind)


@pytest.mark.parametrize("algorithm", APPROX)
def test_self_excluded(algorithm):
    X, _ = _clusters(n=500)
    ind = (
        CosineRetriever(n_neighbors=5, algorithm=algorithm).fit(X).kneighbors(return_distance=False)
    )
    assert not (ind == np.arange(500)[:, None]).any()
    assert all(len(set(row)) == 5 for row in ind)


@pytest.mark.parametrize("algorithm", APPROX)
def test_deterministic_build_and_search(algorithm):
    X, Q = _clusters(n=2000)
    a = CosineRetriever(algorithm=algorithm).fit(X)
    b = CosineRetriever(algorithm=algorithm).fit(X)
    assert pickle.dumps(a) == pickle.dumps(b)  # the faiss index, byte for byte
    ra, rb = a.kneighbors(Q), b.kneighbors(Q)
    np.testing.assert_array_equal(ra[1], rb[1])
    np.testing.assert_array_equal(ra[0], rb[0])
    # a query's answer does not depend on the other queries of its batch
    one_by_one = np.vstack([a.kneighbors(Q[i : i + 1], return_distance=False) for i in range(20)])
    np.testing.assert_array_equal(one_by_one, ra[1][:20])
    a.set_params(batch_size=7)
    np.testing.assert_array_equal(a.kneighbors(Q)[1], ra[1])


@pytest.mark.parametrize("algorithm", APPROX)
def test_pickle_and_skops_round_trip(algorithm):
    X, Q = _clusters(n=1000)
    r = CosineRetriever(algorithm=algorithm, algorithm_params=None).fit(X)
    expected = r.kneighbors(Q)
    loaded = pickle.loads(pickle.dumps(r))
    np.testing.assert_array_equal(loaded.kneighbors(Q)[1], expected[1])
    assert pickle.dumps(loaded) == pickle.dumps(r)
    sio = pytest.importorskip("skops.io")
    blob = sio.dumps(r)
    from_skops = sio.loads(blob, trusted=sio.get_untrusted_types(data=blob))
    np.testing.assert_array_equal(from_skops.kneighbors(Q)[1], expected[1])
    np.testing.assert_array_equal(from_skops.kneighbors(Q)[0], expected[0])


def test_params_resolved_and_used():
    X, _ = _clusters(n=2000)
    r = CosineRetriever(algorithm="ivf", algorithm_params={"nprobe": 2}).fit(X)
    assert r.algorithm_params_ == {"nlist": 45, "nprobe": 2}
    assert r._ann_index().nlist == 45 and r._ann_index().nprobe == 2
    h = CosineRetriever(algorithm="hnsw", algorithm_params={"M": 8, "efSearch": 20}).fit(X)
    assert h.algorithm_params_ == {"M": 8, "efConstruction": 40, "efSearch": 20}
    assert h._ann_index().hnsw.efSearch == 20
    assert CosineRetriever().fit(X).algorithm_params_ == {}


@pytest.mark.parametrize(
    ("algorithm", "params", "match"),
    [
        ("hnsw", {"nprobe": 3}, r"unknown key\(s\) \['nprobe'\] for algorithm='hnsw'"),
        ("ivf", {"nlist": 0}, r"algorithm_params\['nlist'\] must be an integer >= 1, got 0"),
        ("hnsw", {"M": 2.5}, r"algorithm_params\['M'\] must be an integer >= 1, got 2.5"),
        ("ivf", {"nlist": 500}, r"algorithm_params\['nlist'\] = 500 exceeds the number of items"),
        ("exact", {"M": 8}, r"unknown key\(s\) \['M'\] for algorithm='exact'"),
    ],
)
def test_bad_params(algorithm, params, match):
    X, _ = _clusters(n=300)
    with pytest.raises(ValueError, match=match):
        CosineRetriever(algorithm=algorithm, algorithm_params=params).fit(X)


def test_bad_algorithm_and_metric():
    from sklearn.utils._param_validation import InvalidParameterError

    X, _ = _clusters(n=100)
    with pytest.raises(InvalidParameterError, match="algorithm"):
        CosineRetriever(algorithm="lsh").fit(X)
    with pytest.raises(ValueError, match=r"algorithm='hnsw'.*needs metric='cosine'"):
        CosineRetriever(algorithm="hnsw", metric="tanimoto").fit((X > 0).astype(int))


def test_missing_faiss_names_the_extra(monkeypatch):
    X, _ = _clusters(n=100)
    monkeypatch.setitem(sys.modules, "faiss", None)
    with pytest.raises(ImportError, match=r"pip install 'skcontrast\[faiss\]'.*algorithm='exact'"):
        CosineRetriever(algorithm="ivf").fit(X)


def test_short_ivf_lists_fall_back_to_exact():
    # 64 lists of ~15 items, one list probed, 40 neighbours asked: too few candidates
    X, _ = _clusters(n=3000, n_clusters=64, spread=0.01)
    X = X[:1000]
    params = {"nlist": 64, "nprobe": 1}
    r = CosineRetriever(n_neighbors=40, algorithm="ivf", algorithm_params=params).fit(X)
    exact = CosineRetriever(n_neighbors=40).fit(X)
    _, cand = r._ann_index().search(np.ascontiguousarray(r._items[:1000]), 48)
    short = (cand >= 0).sum(axis=1) < 41  # with self left out: fewer than 40 usable
    assert 0 < short.sum() < 1000
    got, want = r.kneighbors(), exact.kneighbors()
    np.testing.assert_array_equal(got[1][short], want[1][short])
    np.testing.assert_array_equal(got[0][short], want[0][short])
    assert all(len(set(row)) == 40 for row in got[1])
    assert not (got[1] == np.arange(1000)[:, None]).any()


def test_recall_exact_is_one_and_counts_ties():
    X, Q = _clusters(n=500)
    exact = CosineRetriever().fit(X)
    assert recall_at_k(exact, Q, k=10) == 1.0
    assert recall_at_k(exact, k=10, n_queries=None) == 1.0
    # duplicated items: any of the tied copies counts as found
    Xd = np.vstack([X, X])
    assert recall_at_k(CosineRetriever().fit(Xd), Q, k=7) == 1.0


def test_recall_matches_the_intersection_without_ties():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(4000, 32))  # isotropic: hard for the indexes, no ties
    Q = rng.normal(size=(50, 32))
    r = CosineRetriever(algorithm="ivf", algorithm_params={"nprobe": 1}).fit(X)
    found = r.kneighbors(Q, n_neighbors=10, return_distance=False)
    true = CosineRetriever().fit(X).kneighbors(Q, n_neighbors=10, return_distance=False)
    expected = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, true, strict=True)])
    got = recall_at_k(r, Q, k=10, n_queries=None)
    assert got == pytest.approx(expected, abs=1e-12)
    assert got < 0.9  # the estimate can fail


def test_recall_sample_and_errors():
    X, Q = _clusters(n=500)
    r = CosineRetriever(algorithm="hnsw").fit(X)
    assert recall_at_k(r, k=5, n_queries=50, random_state=1) == recall_at_k(
        r, k=5, n_queries=50, random_state=1
    )
    for bad in (0, 2.5, "10"):
        with pytest.raises(ValueError, match="'n_queries' parameter of recall_at_k"):
            recall_at_k(r, Q, n_queries=bad)
    for bad in (0, 2.5, None):
        with pytest.raises(ValueError, match="'k' parameter of recall_at_k"):
            recall_at_k(r, Q, k=bad)
    with pytest.raises(ValueError, match="n_neighbors <= n_samples_fit"):
        recall_at_k(r, Q, k=501)
    with pytest.raises(ValueError, match="X has 3 features"):
        recall_at_k(r, np.zeros((2, 3)))


@parametrize_with_checks(
    [
        CosineRetriever(n_neighbors=3, batch_size=7, algorithm="hnsw"),
        CosineRetriever(
            n_neighbors=3, batch_size=7, algorithm="ivf", algorithm_params={"nprobe": 2}
        ),
    ]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_pickles_from_before_approximate_search_load():
    X, Q = _clusters(n=200)
    r = CosineRetriever(n_neighbors=3).fit(X)
    state = r.__getstate__()
    for key in ("algorithm", "algorithm_params", "algorithm_params_", "_fit_algorithm"):
        del state[key]
    old = CosineRetriever.__new__(CosineRetriever)
    old.__setstate__(state)
    assert old.get_params()["algorithm"] == "exact" and old.algorithm_params_ == {}
    np.testing.assert_array_equal(old.kneighbors(Q)[1], r.kneighbors(Q)[1])


def test_failed_fit_leaves_it_unfitted_and_refit_works():
    X, Q = _clusters(n=300)
    r = CosineRetriever(algorithm="hnsw").fit(X)
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['M'\]"):
        r.set_params(algorithm="exact", algorithm_params={"M": 8}).fit(X[:100])
    assert not hasattr(r, "n_samples_fit_") and not hasattr(r, "n_features_in_")
    with pytest.raises(NotFittedError):
        r.kneighbors(Q)
    r.set_params(algorithm_params=None).fit(X[:100])
    assert pickle.dumps(r) == pickle.dumps(CosineRetriever().fit(X[:100]))
    first = CosineRetriever(algorithm="ivf", algorithm_params={"nlist": 500})
    with pytest.raises(ValueError, match="nlist"):
        first.fit(X)  # 500 lists for 300 items
    with pytest.raises(NotFittedError):
        check_is_fitted(first)
    first.set_params(algorithm_params={"nlist": 5}).fit(X)
    assert pickle.dumps(first) == pickle.dumps(
        CosineRetriever(algorithm="ivf", algorithm_params={"nlist": 5}).fit(X)
    )


def test_faiss_settings_restored_under_concurrent_use():
    from concurrent.futures import ThreadPoolExecutor

    X, Q = _clusters(n=400)
    ivf = CosineRetriever(algorithm="ivf", batch_size=1).fit(X)
    threshold = faiss.cvar.distance_compute_blas_threshold
    n_threads = faiss.omp_get_max_threads()

    def work(i):
        if i % 4 == 0:
            CosineRetriever(algorithm="hnsw", algorithm_params={"M": 4}).fit(X[:100])
        return ivf.kneighbors(Q[i % 50 : i % 50 + 5], return_distance=False)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(64)))
    assert faiss.cvar.distance_compute_blas_threshold == threshold
    assert faiss.omp_get_max_threads() == n_threads
    for i, ind in enumerate(results):  # the same as one thread alone finds
        np.testing.assert_array_equal(
            ind, ivf.kneighbors(Q[i % 50 : i % 50 + 5], return_distance=False)
        )
