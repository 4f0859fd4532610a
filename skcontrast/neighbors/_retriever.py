"""CosineRetriever: exact cosine nearest neighbours in bounded memory."""

from __future__ import annotations

import numbers
from collections.abc import Iterator
from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin

from skcontrast.neighbors import _approximate, _search, _sharded, _tanimoto
from skcontrast.neighbors._backends import BACKEND_NAMES, BACKENDS, chunk_size, resolve_backend
from skcontrast.neighbors._normalize import normalize_rows
from skcontrast.utils._dask import is_dask_collection
from skcontrast.utils._persistence import canonical_state, check_plain_data
from skcontrast.utils._sklearn import Interval, StrOptions, _fit_context, check_is_fitted
from skcontrast.utils._validation import validate_float


def _as_configured_sparse(graph: sp.csr_array):
    """CSR graph in scikit-learn's configured sparse interface (spmatrix by default)."""
    if get_config().get("sparse_interface", "spmatrix") == "sparray":
        return graph
    return sp.csr_matrix(graph)


class CosineRetriever(ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator):
    """Exact cosine (or Tanimoto) nearest neighbours, in query chunks of bounded memory.

    Mirrors :class:`sklearn.neighbors.NearestNeighbors` with
    ``metric="cosine", algorithm="brute"``: the same neighbours (up to the
    float32 rounding of the stored rows; ties by the smaller index), with one
    float32 matrix product per chunk of ``batch_size`` queries, which selects
    ``n_neighbors + 8`` candidates per query, instead of a float64 distance
    matrix. Similarities are then recomputed in float64 (see
    :meth:`kneighbors`): the neighbours are the exact top ``n_neighbors`` by
    float64 similarity over all items, and neither they nor their distances
    depend on the chunk, the other queries, the backend or the CPU's BLAS
    kernel; an exact duplicate is at distance 0.

    ``fit`` stores the L2-normalised rows as float32 (zero rows stay zero, so a
    zero vector has similarity 0, distance 1, to everything, never NaN). Sparse
    input (CSR) is accepted: the fitted items are stored dense, and queries are
    densified one chunk at a time.

    Parameters
    ----------
    n_neighbors : int, default=5
        Number of neighbours returned by :meth:`kneighbors`, :meth:`retrieve`
        and :meth:`kneighbors_graph` when their ``n_neighbors`` is None.
        :meth:`transform` returns ``n_neighbors + 1`` per row (the query itself
        included), as :class:`sklearn.neighbors.KNeighborsTransformer` does.

    metric : {"cosine", "tanimoto"}, default="cosine"
        - "cosine": cosine similarity of real-valued rows (embeddings), as
          described above;
        - "tanimoto": the Tanimoto (Jaccard) similarity of fingerprints, rows
          of non-negative integers (0/1 bits, bool, or counts; dense or CSR,
          any numeric dtype holding integers), exactly as RDKit's
          ``DataStructs.TanimotoSimilarity`` / ``BulkTanimotoSimilarity``
          computes it on ``ExplicitBitVect`` bits and on count vectors
          (``SparseIntVect``, ``TverskySimilarity(v1, v2, 1, 1)`` in RDKit's
          ``SparseIntVect.h``): ``sum(min(a, b)) / (sum(a) + sum(b) -
          sum(min(a, b)))``, ``|a & b| / (|a| + |b| - |a & b|)`` on bits, and 0
          for two all-zero rows. Sums are exact integers and the similarity is
          their float64 quotient, the same double as RDKit's; distances are
          ``1 - similarity``. Rows are stored as they are (no normalisation),
          the search runs on the CPU (``backend`` must be "auto" or "numpy"),
          and similarities and distances are float64 whatever the input
          dtype. A chunk holds at most ``batch_size`` queries and at most
          ``2**22 / n_samples_fit_`` of them (the float64 similarity block
          stays within 32 MiB); the fitted items take about ``4 *
          n_levels * n_samples_fit_`` bytes once searched, ``n_levels`` being
          the number of distinct (column, non-zero value) pairs (at most
          ``n_features`` for bits), stored sparse beyond 1 GiB.
          "jaccard" is not accepted: scikit-learn's and SciPy's "jaccard"
          binarise counts, which is another measure on count fingerprints.

    batch_size : int, default=1024
        Queries handled at once, at most. The "numpy" backend lowers it to
        ``2**22 // n_samples_fit_`` queries but not below 64 (a block of 16 MiB
        of float32 similarities stays in the CPU's caches: about twice as fast
        as 1 024 queries against 100 000 items). Peak extra memory is about
        ``q * n_samples_fit_ * 4`` bytes for ``q`` queries per chunk (the
        float32 similarity block); up to three times that when
        ``n_neighbors > n_samples_fit_ / 512``, where the NumPy backend
        selects with a plain ``argpartition`` (int64 indices) instead of the
        two-step group selection. The float64 re-scoring adds
        a float64 copy of the chunk's queries (``8 * batch_size *
        n_features_in_`` bytes), about 40 bytes per candidate (``batch_size *
        (n_neighbors + 8)`` of them) and 2.5 MiB of scratch per thread; the
        rows of float32 similarities of queries with more than 8 near-ties at
        their ``n_neighbors``-th place are read back in blocks of 16 MiB.
        With ``backend="faiss"``, faiss tiles the similarity computation itself
        (bounded memory), and queries are passed in blocks of at least 16 384:
        faiss's throughput drops about threefold when it is called with blocks
        of 1 024 queries.

    backend : {"auto", "numpy", "torch", "faiss"}, default="auto"
        - "numpy": NumPy matrix product (BLAS sgemm) and a two-step exact top-k;
        - "torch": the same steps with torch, on CUDA when available, else CPU;
        - "faiss": faiss ``IndexFlatIP`` (exact inner product), needs the
          optional ``faiss`` extra (``pip install 'skcontrast[faiss]'``). It
          is for memory, not speed: faiss tiles the similarity computation
          itself, so its peak memory does not grow with ``batch_size``: 229 MB
          against 929 MB for "numpy" at the default ``batch_size`` (200 000
          items of 128 features, 2 000 queries). It is the slowest of the three
          on CPU (298 against 978 queries/s for "numpy" in
          ``benchmarks/README.md``);
        - "auto": "torch" on CUDA when available, else "numpy" (the faster of the
          two on CPU in ``benchmarks/bench_retrieve.py``).

        The neighbours and distances are the same with every backend (see
        :meth:`kneighbors`). Each backend is a class in
        ``skcontrast/neighbors/_backends.py``, looked up by name in its
        ``BACKENDS`` table (a class registered there is a valid value too).

    algorithm : {"exact", "hnsw", "ivf"}, default="exact"
        - "exact": the exact search described above (the default);
        - "hnsw": approximate search on a faiss ``IndexHNSWFlat`` graph
          (Malkov & Yashunin, IEEE TPAMI 2020);
        - "ivf": approximate search on a faiss ``IndexIVFFlat`` inverted file
          with a k-means coarse quantizer (Jégou, Douze & Schmid, IEEE TPAMI
          2011).

        Both approximate indexes use the inner product of the normalised rows
        (cosine similarity), need the optional ``faiss`` extra (``pip install
        'skcontrast[faiss]'``) and ``metric="cosine"``, and are built in
        ``fit`` on one thread, deterministically (the same items give the same
        index, byte for byte, on the same machine and faiss version). The
        index proposes ``n_neighbors + 8`` candidates per query; they are
        scored and sorted exactly as exact search scores them, so a returned
        item's distance is exactly its exact distance, but an item the index
        misses is not returned. A query for which the index finds fewer than
        ``n_neighbors`` items (IVF with few probed lists) is answered by exact
        search.

        **When to use them.** Only for large item sets (hundreds of thousands
        or more) whose queries fall into well-separated clusters, and after
        measuring :func:`~skcontrast.neighbors.recall_at_k` on a sample of
        real queries: recall depends on the data far more than on the
        parameters. At 200 000 x 128 (issue 14): tight clusters, IVF with
        ``nprobe=1`` reached recall@10 1.00; broad clusters, HNSW
        (``efSearch=64``) 0.92 and IVF 0.26 to 0.73; isotropic random
        vectors, HNSW 0.13 to 0.37, and slower than exact search. At 50 000 x
        128 here (``benchmarks/README.md``, ``bench_retrieve_scale.py``):
        recall@10 1.00 for IVF on tight clusters (11 times faster than
        exact), 0.94 for HNSW and 0.43 to 0.61 for IVF on very broad
        clusters, 0.47 (HNSW) and 0.19 (IVF) on isotropic vectors; the
        single-threaded HNSW build took 13 to 80 s.

    algorithm_params : dict, default=None
        Parameters of the approximate index, with faiss's names; read in
        ``fit`` (changing them needs a refit); None or ``{}`` for "exact".

        - "hnsw": ``M`` (graph degree, default 32), ``efConstruction``
          (default 40), ``efSearch`` (default 64; higher is slower and more
          accurate);
        - "ivf": ``nlist`` (number of k-means lists, default about
          ``sqrt(n_samples)``, at most ``n_samples // 39``, at least 1),
          ``nprobe`` (lists searched per query, default 8).

        All are integers >= 1; an unknown key, another value or ``nlist`` above
        the number of items raises a ValueError naming it.

    Attributes
    ----------
    algorithm_params_ : dict
        The index's parameters in effect, defaults included (``{}`` for
        "exact").

    backend_ : str
        The backend used ("numpy", "torch" or "faiss").

    n_samples_fit_ : int
        Number of fitted items.

    n_features_in_ : int
        Number of features seen during :term:`fit`.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`, when X has string column names.

    See Also
    --------
    sklearn.neighbors.NearestNeighbors : the general (slower) neighbour search.
    sklearn.neighbors.KNeighborsTransformer : the sparse graph :meth:`transform` mimics.
    skcontrast.metrics.neighbor_label_agreement : precision@k of same-label neighbours.

    Notes
    -----
    **Items on dask.** ``fit`` accepts a 2-D dask array (needs the ``dask``
    extra) and keeps the items sharded: each row block is validated,
    normalised and stored by a dask task as an in-memory retriever of its own,
    kept with :func:`dask.persist` (on the workers under a
    ``distributed.Client``; block by block in this process with the local
    schedulers). A search sends the queries to every shard, takes each shard's
    exact top ``n_neighbors`` and merges them by (similarity descending,
    global index ascending). The result equals the in-memory result exactly,
    indices and distances, by construction: a row's normalised copy and a
    pair's float64 similarity do not depend on the block holding them (see
    :meth:`kneighbors`). ``kneighbors()`` on the items runs one task per pair
    of blocks (``n_blocks**2``): use large blocks. Such a retriever does not
    pickle (a TypeError says so); :meth:`to_local` gathers it into an ordinary
    one. Only ``metric="cosine"`` with ``algorithm="exact"``. Queries may be
    a dask array too, with any fitted retriever: its blocks are validated and
    searched block by block; the result is a NumPy array either way.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.neighbors import CosineRetriever
    >>> X = np.array([[1.0, 0.0], [0.9, 0.1], [0.1, 1.0], [-1.0, 0.2]])
    >>> retriever = CosineRetriever(n_neighbors=2).fit(X)
    >>> sims, idx = retriever.retrieve([[1.0, 0.05]])
    >>> idx
    array([[0, 1]])
    >>> np.round(sims, 3)
    array([[0.999, 0.998]])
    >>> retriever.kneighbors(return_distance=False)  # each item, itself excluded
    array([[1, 2],
           [0, 2],
           [1, 0],
           [2, 1]])
    """

    _parameter_constraints: ClassVar[dict] = {
        "n_neighbors": [Interval(numbers.Integral, 1, None, closed="left")],
        "metric": [StrOptions({"cosine", "tanimoto"})],
        "batch_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "backend": [StrOptions(BACKEND_NAMES)],
        "algorithm": [StrOptions({"exact", "hnsw", "ivf"})],
        "algorithm_params": [dict, None],
    }

    def __init__(
        self,
        *,
        n_neighbors=5,
        metric="cosine",
        batch_size=1024,
        backend="auto",
        algorithm="exact",
        algorithm_params=None,
    ):
        self.n_neighbors = n_neighbors
        self.metric = metric
        self.batch_size = batch_size
        self.backend = backend
        self.algorithm = algorithm
        self.algorithm_params = algorithm_params

    # ------------------------------------------------------------------ fit

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Store the L2-normalised rows of X as float32 items.

        With ``algorithm="hnsw"`` or ``"ivf"`` also builds the faiss index.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_samples, n_features)
            The items to search (for instance an embedding of past records). A
            dask array is kept sharded, one shard per row block (see the
            class's Notes).
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        self : CosineRetriever
            The fitted retriever.

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            When ``n_neighbors``, ``metric``, ``batch_size`` or ``backend`` is
            of the wrong type or out of range (``batch_size=0``,
            ``backend="gpu"``, ``metric="jaccard"``...).
        ValueError
            For NaN or infinity in X: the message names the column (and its
            name when X has string column names), the first rows and their
            values. Also for X that is empty, not 2-D or not numeric. With
            ``metric="tanimoto"``: for a value that is negative, not an
            integer or above ``2**52`` (named the same way), a row whose
            values add up to more than ``2**52``, and ``backend`` "torch" or
            "faiss". For ``algorithm_params`` that do not fit ``algorithm``
            (see there), and for ``algorithm`` other than "exact" with
            ``metric="tanimoto"``. For a dask array: when it is not 2-D or is
            empty, when ``metric`` or ``algorithm`` is not the default, and for
            a block with bad values (the message names the block and the rows,
            counted in X); under a ``distributed.Client`` too, as ``fit`` waits
            for every shard.
        TypeError
            For a dask collection other than a dask array.
        ImportError
            With ``backend="faiss"``, ``algorithm="hnsw"`` or ``"ivf"`` when
            faiss is not installed.

        A fit that raises leaves the retriever unfitted (a previous fit is
        dropped): :meth:`kneighbors` then raises ``NotFittedError``.
        """
        self._clear_fit()  # a previous fit (in memory or on a dask array) is dropped
        try:
            return self._fit(X)
        except BaseException:
            # validation records n_features_in_ before it can fail: a failed fit
            # leaves the retriever unfitted, never half fitted
            self._clear_fit()
            raise

    #: Every attribute a fit sets (removed before each fit and when a fit fails).
    _FITTED_ATTRIBUTES = (
        "n_features_in_",
        "feature_names_in_",
        "backend_",
        "_fit_dtype",
        "n_samples_fit_",
        "_n_features_out",
        "_items",
        "_fingerprints",
        "_cache",
        "algorithm_params_",
        "_fit_algorithm",
        "_shards",
        "_shard_starts",
    )

    def _clear_fit(self) -> None:
        for name in self._FITTED_ATTRIBUTES:
            self.__dict__.pop(name, None)

    def _fit(self, X):
        """``fit`` on a retriever with no fitted attribute: check and build first, then set."""
        if self.algorithm != "exact" and self.metric != "cosine":
            raise ValueError(
                f"algorithm={self.algorithm!r} (approximate search on faiss) needs "
                f"metric='cosine', got metric={self.metric!r}."
            )
        if is_dask_collection(X):
            return _sharded.fit(self, X)
        if self.metric == "tanimoto":
            return self._fit_tanimoto(X)
        X = validate_float(self, X, reset=True)
        backend = resolve_backend(self.backend).name
        n_samples = X.shape[0]
        algorithm_params = _approximate.check_params(
            self.algorithm, self.algorithm_params, n_samples
        )
        items = _search.pad_items(normalize_rows(X))
        cache = {}
        if self.algorithm != "exact":
            cache["ann"] = _approximate.build_index(
                items[:n_samples], self.algorithm, algorithm_params
            )
        # the attributes in this order: the pickle of a fitted retriever depends on it
        self.backend_ = backend
        self._fit_dtype = X.dtype
        self.n_samples_fit_ = n_samples
        self._n_features_out = n_samples
        self._items = items
        self._fingerprints = None
        self._cache = cache
        self.algorithm_params_ = algorithm_params
        self._fit_algorithm = self.algorithm
        return self

    def _fit_tanimoto(self, X):
        """Fit for ``metric="tanimoto"``: keep the integer fingerprints (CSR int64)."""
        if self.backend not in ("auto", "numpy"):
            raise ValueError(
                f"backend={self.backend!r} computes cosine similarities; with "
                "metric='tanimoto' the search runs on the CPU with NumPy/SciPy: use "
                "backend='auto' or 'numpy'."
            )
        counts = _tanimoto.check_counts(self, X, reset=True)
        algorithm_params = _approximate.check_params("exact", self.algorithm_params, 0)
        self.backend_ = "numpy"
        self._fit_dtype = np.dtype(np.float64)
        self.n_samples_fit_ = counts.shape[0]
        self._n_features_out = self.n_samples_fit_
        self._fingerprints = counts
        self._items = None
        self._cache = {}
        self.algorithm_params_ = algorithm_params
        self._fit_algorithm = "exact"
        return self

    def _fitted_tanimoto(self) -> bool:
        """Whether the fit was with metric="tanimoto" (the fit decides, not a later set_params)."""
        return getattr(self, "_fingerprints", None) is not None

    def _tanimoto_index(self) -> _tanimoto.TanimotoIndex:
        """The level expansion of the fitted fingerprints (cached, never pickled)."""
        index = self._cache.get("tanimoto")
        if index is None:
            index = self._cache["tanimoto"] = _tanimoto.TanimotoIndex(self._fingerprints)
        return index

    def to_local(self) -> CosineRetriever:
        """An in-memory copy of a retriever fitted on a dask array.

        Gathers the shards' normalised float32 items into this process (the
        one step that brings all the items together: it needs about ``4 *
        n_samples_fit_ * n_features_in_`` bytes). The copy gives the same
        neighbours and distances, bit for bit, and pickles (pickle, joblib,
        skops) like any in-memory retriever; it equals ``fit`` on the computed
        array.

        Returns
        -------
        retriever : CosineRetriever
            A new fitted retriever; ``self`` when it was not fitted on a dask array.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        """
        check_is_fitted(self)
        if not _sharded.is_sharded(self):
            return self
        return _sharded.to_local(self)

    def __getstate__(self):
        if _sharded.is_sharded(self):
            raise TypeError(_sharded.PICKLE_MESSAGE)
        state = self.__dict__.copy()
        state.pop("_cache", None)  # the built backend and the norms are rebuilt on demand
        if state.get("_fit_algorithm", "exact") != "exact":
            # the faiss index as faiss's own serialisation (a uint8 array: plain
            # data for skops), so that loading does not rebuild it
            state["_ann_index"] = _approximate.serialize(self._ann_index())
        if "_fit_dtype" in state:
            # plain data (a str) rather than a numpy.dtype, which skops.io lists as
            # an untrusted type
            state["_fit_dtype"] = np.dtype(state["_fit_dtype"]).name
        fingerprints = state.get("_fingerprints")
        if sp.issparse(fingerprints):  # its parts: skops.io would list scipy's class
            state["_fingerprints"] = {
                "data": fingerprints.data,
                "indices": fingerprints.indices,
                "indptr": fingerprints.indptr,
                "shape": list(fingerprints.shape),
            }
        return canonical_state(state)  # pickles of a loaded copy: the same bytes

    def __setstate__(self, state):
        state = dict(state)
        state.setdefault("metric", "cosine")  # pickled before metric existed
        state.setdefault("algorithm", "exact")  # pickled before approximate search existed
        state.setdefault("algorithm_params", None)
        if "n_samples_fit_" in state:
            state.setdefault("algorithm_params_", {})
            state.setdefault("_fit_algorithm", "exact")
        if "_fit_dtype" in state:  # a str, or a numpy.dtype in pickles of earlier versions
            name = state["_fit_dtype"]
            if not isinstance(name, (str, np.dtype)) or name not in ("float32", "float64"):
                raise ValueError(
                    f"CosineRetriever: the saved _fit_dtype must be 'float32' or 'float64', "
                    f"got {name!r}."
                )
            state["_fit_dtype"] = np.dtype(name)
        parts = state.get("_fingerprints")
        if isinstance(parts, dict):
            state["_fingerprints"] = _csr_from_parts(parts)
        ann_bytes = state.pop("_ann_index", None)
        self.__dict__.update(state)
        if "_items" in state:
            self._cache = {}
            if ann_bytes is not None:
                self._cache["ann_bytes"] = _approximate.check_serialized(ann_bytes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        if self.metric == "tanimoto":
            tags.input_tags.positive_only = True
            tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

    # ------------------------------------------------------------------ search

    def _check_n_neighbors(self, n_neighbors, query_is_train: bool, n_queries: int) -> int:
        if n_neighbors is None:
            n_neighbors = self.n_neighbors
        if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, numbers.Integral):
            raise TypeError(
                f"n_neighbors must be an integer, got {n_neighbors!r} "
                f"of type {type(n_neighbors).__name__}."
            )
        if n_neighbors <= 0:
            raise ValueError(f"Expected n_neighbors > 0. Got {n_neighbors}")
        n_fit = self.n_samples_fit_
        limit, relation = (n_fit - 1, "<") if query_is_train else (n_fit, "<=")
        if n_neighbors > limit:
            raise ValueError(
                f"Expected n_neighbors {relation} n_samples_fit, but "
                f"n_neighbors = {n_neighbors}, n_samples_fit = {n_fit}, "
                f"n_samples = {n_queries}"
                + (" (each item is excluded from its own neighbours)" if query_is_train else "")
            )
        return int(n_neighbors)

    def _queries(self, X):
        """Validated queries (None for the fitted items) and the output dtype.

        A dask array is checked here for its shape and dtype only: its blocks
        are validated one by one when searched.
        """
        if X is None:
            return None, self._fit_dtype
        if is_dask_collection(X):
            return _sharded.check_queries(self, X)
        if self._fitted_tanimoto():
            return _tanimoto.check_counts(self, X, reset=False), np.dtype(np.float64)
        X = validate_float(self, X, reset=False)
        return X, X.dtype

    def _chunks(self, X, normalized: bool = False) -> Iterator[tuple[int, np.ndarray]]:
        """``(start, queries)``: normalised float32 rows of X (already so when ``normalized``)."""
        n = self.n_samples_fit_ if X is None else X.shape[0]
        self._validate_params()  # batch_size may have been set after fit
        step = chunk_size(BACKENDS[self.backend_], self.batch_size, self.n_samples_fit_)
        for start in range(0, n, step):
            stop = min(start + step, n)
            if X is None:
                yield start, self._items[start:stop]
            elif normalized:
                yield start, X[start:stop]
            else:
                yield start, normalize_rows(X, start, stop)

    def _item_sq_norms(self) -> np.ndarray:
        """float64 squared norms of the stored rows (cached; see ``_search.squared_norms``)."""
        sq = self._cache.get("sq_norms")
        if sq is None:
            sq = self._cache["sq_norms"] = _search.squared_norms(self._items[: self.n_samples_fit_])
        return sq

    def _search_backend(self):
        """The fitted backend, built on the first search (cached, never pickled)."""
        backend = self._cache.get("backend")
        if backend is None:
            backend = BACKENDS[self.backend_]()
            backend.build(self._items, self.n_samples_fit_)
            self._cache["backend"] = backend
        return backend

    def _ann_index(self):
        """The fitted faiss index of an approximate retriever (cached, never pickled as is)."""
        index = self._cache.get("ann")
        if index is None:
            index = self._cache["ann"] = _approximate.deserialize(
                self._cache.pop("ann_bytes"), self._fit_algorithm, self.algorithm_params_
            )
        return index

    def _search(self, X, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Top-k similarities (float64, descending) and indices for validated X.

        X may be a dask array (its blocks are searched one by one); items
        fitted from a dask array are searched shard by shard
        (:mod:`skcontrast.neighbors._sharded`); an approximate retriever asks
        its faiss index (:mod:`skcontrast.neighbors._approximate`).
        """
        if _sharded.is_sharded(self):
            return _sharded.search(self, X, k)
        if X is not None and is_dask_collection(X):
            return _sharded.search_blocks(self, X, k)
        if getattr(self, "_fit_algorithm", "exact") != "exact":
            return _approximate.search(self, X, k)
        return self._exact_search(X, k)

    def _exact_search(self, X, k: int, normalized: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The exact top k for validated X (None: the items, self excluded).

        The backend selects ``k + MARGIN`` candidates by float32 similarity;
        :func:`_search.settle` returns the exact top k by float64 similarity.
        With ``normalized``, X holds normalised float32 rows (searched as is).
        """
        n_fit = self.n_samples_fit_
        exclude_self = X is None
        if self._fitted_tanimoto():  # exact from the start: nothing to settle
            self._validate_params()  # batch_size may have been set after fit
            queries = self._fingerprints if exclude_self else X
            return _tanimoto.search(
                self._tanimoto_index(), queries, k, self.batch_size, exclude_self
            )
        n_cand = min(k + _search.MARGIN, n_fit - int(exclude_self))
        results = self._search_backend().search(self._chunks(X, normalized), n_cand, exclude_self)
        item_sq = self._item_sq_norms()
        parts = [
            _search.settle(cands, self._items, item_sq, n_fit, k, exclude_self) for cands in results
        ]  # never empty: validation rejects an empty X, and n_samples_fit_ >= 1
        sims = np.vstack([p[0] for p in parts])
        idx = np.vstack([p[1] for p in parts])
        return sims, idx

    def kneighbors(self, X=None, n_neighbors=None, return_distance=True):
        """Find the ``n_neighbors`` items nearest in cosine distance to each query.

        Parameters
        ----------
        X : {array-like, sparse matrix, dask array} of shape (n_queries, n_features), default=None
            The queries. None means the fitted items, each excluded from its own
            neighbours (a duplicate of an item is still returned, at distance 0).
            A dask array is validated and searched block by block.
        n_neighbors : int, default=None
            Neighbours per query; None uses the ``n_neighbors`` parameter.
        return_distance : bool, default=True
            Whether to return the distances.

        Returns
        -------
        neigh_dist : ndarray of shape (n_queries, n_neighbors)
            Cosine distances ``1 - similarity`` (clipped to [0, 2]), ascending,
            ties ordered by the smaller index; float32 for float32 input, else
            float64. With ``metric="tanimoto"``, Tanimoto distances ``1 -
            similarity`` in [0, 1], float64. Only when ``return_distance``.
        neigh_ind : ndarray of shape (n_queries, n_neighbors)
            Indices of the neighbours among the fitted items.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        sklearn.utils._param_validation.InvalidParameterError
            When ``batch_size`` set since ``fit`` is invalid (``batch_size=0``).
        ValueError
            - For NaN or infinity in X: the message names the column (and its
              name when the fitted data had string column names), the first
              rows and their values;
            - for X that is empty, not 2-D, not numeric, or with another number
              of features (or other feature names) than at ``fit``;
            - with ``metric="tanimoto"``, for a value that is negative, not an
              integer or above ``2**52``, or a row total above ``2**52``;
            - for ``n_neighbors`` below 1 or above ``n_samples_fit_``
              (``n_samples_fit_ - 1`` when X is None: each item is excluded
              from its own neighbours).
        TypeError
            When ``n_neighbors`` is not an integer.
        ImportError
            With ``backend="faiss"`` when faiss cannot be imported (a retriever
            unpickled where faiss is not installed).

        Notes
        -----
        The similarity of a query and an item is computed in float64 from the
        two stored float32 rows (L2-normalised): exact products, summed along
        the feature axis in an order set by ``n_features_in_`` alone, divided
        by the two rows' norms computed the same way (0 if either row is zero).
        The backend's float32 product only selects which items to score: each
        query's ``n_neighbors + 8`` best are the candidates, and, as a float32
        similarity is within ``B = 2 * n_features_in_ * 2**-24 + 2**-20`` of the
        float64 one (twice the worst-case rounding error of a float32 dot
        product of unit rows), every item whose float32 similarity is within
        ``2 * B`` of the ``n_neighbors``-th candidate's is scored: from the
        candidates, or, when the 8 extra candidates are all that close
        (duplicates, binary fingerprints), from the query's whole row. Hence:

        - the neighbours are exactly the ``n_neighbors`` fitted items of
          largest float64 similarity, ties broken by the smaller index (the
          query itself left out when X is None), whatever the number of ties;
        - the result for a query is a function of the query and the fitted
          items only: it does not depend on ``batch_size``, the other queries,
          the backend or the CPU's BLAS kernel;
        - an exact duplicate of the query is at distance exactly 0; a zero
          query is at distance 1 from every item, so its neighbours are the
          smallest indices.

        With ``algorithm="hnsw"`` or ``"ivf"`` the neighbours are the best
        ``n_neighbors`` of the index's ``n_neighbors + 8`` candidates, scored
        and ordered as above: each distance is exact, but the list may miss
        items (measure it with :func:`~skcontrast.neighbors.recall_at_k`).

        With ``metric="tanimoto"`` every similarity is exact from the start
        (integer sums, one float64 division; see the ``metric`` parameter):
        the neighbours are the ``n_neighbors`` items of largest similarity,
        ties by the smaller index, and a zero query gets the smallest indices.

        The float64 scoring runs on as many threads as the BLAS library
        (``threadpoolctl.threadpool_limits`` bounds both). With the torch
        backend, float32 products are computed in IEEE float32 whatever
        ``torch.set_float32_matmul_precision`` says (TF32 or bfloat16 would be
        less precise than ``B`` allows); the setting is restored afterwards.
        """
        check_is_fitted(self)
        X, dtype = self._queries(X)
        n_queries = self.n_samples_fit_ if X is None else X.shape[0]
        k = self._check_n_neighbors(n_neighbors, X is None, n_queries)
        sims, idx = self._search(X, k)
        if not return_distance:
            return idx
        dist = np.clip(1.0 - sims, 0.0, 2.0).astype(dtype, copy=False)
        return dist, idx

    def retrieve(self, X=None, n_neighbors=None):
        """The most similar items to each query, most similar first.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), default=None
            The queries. None means the fitted items, each excluded from its own list.
        n_neighbors : int, default=None
            Items per query; None uses the ``n_neighbors`` parameter.

        Returns
        -------
        similarities : ndarray of shape (n_queries, n_neighbors)
            Cosine similarities in [-1, 1], descending (0 for a zero vector, 1
            for an exact duplicate), computed as in :meth:`kneighbors`;
            float32 for float32 input, else float64. With
            ``metric="tanimoto"``, Tanimoto similarities in [0, 1], float64
            (RDKit's values).
        indices : ndarray of shape (n_queries, n_neighbors)
            Indices of the retrieved items among the fitted items; exactly the
            items of largest float64 similarity, ties by the smaller index.

        Raises
        ------
        sklearn.exceptions.NotFittedError, InvalidParameterError, ValueError, TypeError, ImportError
            As :meth:`kneighbors`.
        """
        check_is_fitted(self)
        X, dtype = self._queries(X)
        n_queries = self.n_samples_fit_ if X is None else X.shape[0]
        k = self._check_n_neighbors(n_neighbors, X is None, n_queries)
        sims, idx = self._search(X, k)
        return sims.astype(dtype, copy=False), idx

    def kneighbors_graph(self, X=None, n_neighbors=None, mode="connectivity"):
        """Sparse (CSR) graph of each query's nearest items.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features), default=None
            The queries. None means the fitted items, each excluded from its own row.
        n_neighbors : int, default=None
            Neighbours per row; None uses the ``n_neighbors`` parameter.
        mode : {"connectivity", "distance"}, default="connectivity"
            Ones, or cosine distances, as the stored values.

        Returns
        -------
        A : sparse matrix of shape (n_queries, n_samples_fit_)
            ``A[i, j]`` is the edge weight from query i to item j, CSR, in
            scikit-learn's configured sparse interface (``spmatrix`` by default).
            Distances of 0 are stored explicitly.

        Raises
        ------
        sklearn.exceptions.NotFittedError, InvalidParameterError, TypeError, ImportError
            As :meth:`kneighbors`.
        ValueError
            As :meth:`kneighbors`, and for ``mode`` other than "connectivity"
            or "distance".
        """
        check_is_fitted(self)
        if mode == "connectivity":
            ind = self.kneighbors(X, n_neighbors, return_distance=False)
            data = np.ones(ind.size)
        elif mode == "distance":
            dist, ind = self.kneighbors(X, n_neighbors, return_distance=True)
            data = dist.ravel()
        else:
            raise ValueError(
                f'Unsupported mode, must be one of "connectivity" or "distance" '
                f'but got "{mode}" instead'
            )
        n_queries, k = ind.shape
        indptr = np.arange(0, n_queries * k + 1, k)
        graph = sp.csr_array((data, ind.ravel(), indptr), shape=(n_queries, self.n_samples_fit_))
        return _as_configured_sparse(graph)

    # ------------------------------------------------------------------ transformer

    def transform(self, X):
        """Sparse cosine-distance graph of X to the fitted items (self included).

        Each row holds ``n_neighbors + 1`` distances, as
        :class:`sklearn.neighbors.KNeighborsTransformer` in distance mode, so that
        ``KNeighborsClassifier(metric="precomputed")``, TSNE or DBSCAN can use it.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_queries, n_features)
            The queries.

        Returns
        -------
        Xt : sparse matrix of shape (n_queries, n_samples_fit_)
            CSR distance graph; explicit zeros are kept.

        Raises
        ------
        sklearn.exceptions.NotFittedError, InvalidParameterError, ImportError
            As :meth:`kneighbors`.
        ValueError
            As :meth:`kneighbors` for X; also when ``n_neighbors + 1`` exceeds
            ``n_samples_fit_``.
        """
        check_is_fitted(self)
        return self.kneighbors_graph(X, n_neighbors=self.n_neighbors + 1, mode="distance")

    def fit_transform(self, X, y=None):
        """Fit to X, then return the distance graph of X to itself (self included).

        Equivalent to ``fit(X).transform(X)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The items.
        y : Ignored
            Not used, present for API consistency by convention.

        Returns
        -------
        Xt : sparse matrix of shape (n_samples, n_samples)
            CSR distance graph with ``n_neighbors + 1`` entries per row.

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError, ValueError, ImportError
            As :meth:`fit` and :meth:`transform`.
        """
        return self.fit(X).transform(X)


def _csr_from_parts(parts: dict):
    """The fitted Tanimoto fingerprints (a CSR array) from their saved, plain parts."""
    check_plain_data(parts, "CosineRetriever._fingerprints")
    if set(parts) != {"data", "indices", "indptr", "shape"} or not all(
        isinstance(parts[key], np.ndarray) for key in ("data", "indices", "indptr")
    ):
        raise ValueError(
            "CosineRetriever: the saved _fingerprints must hold the arrays data, indices "
            "and indptr and the shape of a CSR array."
        )
    return sp.csr_array(
        (parts["data"], parts["indices"], parts["indptr"]), shape=tuple(parts["shape"])
    )
