"""Search backends of :class:`~skcontrast.neighbors.CosineRetriever`, one class each.

A backend produces the float32 candidates of each chunk of queries (the
kernels of :mod:`skcontrast.neighbors._search`); the retriever settles them
exactly in float64 whatever the backend. Everything a backend needs lives on
its class:

- ``name``: the value of the retriever's ``backend`` parameter;
- ``min_chunk``: the fewest queries passed per chunk (the retriever's
  ``batch_size`` is raised to it);
- ``max_block``: when set, the most similarities per chunk: ``batch_size`` is
  lowered to ``max_block // n_items`` queries, but never below
  :data:`MIN_BLOCK_QUERIES` (the float32 block then stays in the CPU's caches
  instead of streaming through memory);
- ``available()``: whether its optional dependency imports
  (``missing_message`` says how to install it);
- ``build(items, n_items)``: its caches (a faiss index, a device tensor).
  The retriever builds a backend on its first search and never pickles it: an
  unpickled retriever builds a fresh one on its first search;
- ``search(chunks, k, exclude_self)``: for each ``(start, queries)`` chunk, a
  :class:`~skcontrast.neighbors._search.Candidates` with ``k`` candidates per
  query.

:data:`BACKENDS` maps each name to its class; :func:`resolve_backend` turns the
``backend`` parameter ("auto" included) into a class. Registering a class in
:data:`BACKENDS` makes its name a valid ``backend`` (:data:`BACKEND_NAMES` is a
live view of the table, used by the parameter constraints).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Set
from typing import ClassVar

import numpy as np

from skcontrast.neighbors import _search
from skcontrast.utils._torch import tensor_view

Chunks = Iterable[tuple[int, np.ndarray]]


class SearchBackend:
    """Base class of a search backend: float32 candidates for chunks of queries.

    Subclasses set :attr:`name`, override :meth:`search`, and, when they need
    them, :attr:`min_chunk`, :meth:`available` (with :attr:`missing_message`)
    and :meth:`build` (calling ``super().build``). An instance is built once
    per fitted retriever (lazily, on its first search) and is never pickled.
    """

    #: The value of ``CosineRetriever(backend=...)`` that selects this backend.
    name: ClassVar[str] = ""

    #: Queries per call at least: ``batch_size`` is raised to it.
    min_chunk: ClassVar[int] = 1

    #: At most this many float32 similarities per chunk (None: no limit).
    max_block: ClassVar[int | None] = None

    #: The ImportError message when :meth:`available` is False.
    missing_message: ClassVar[str] = ""

    @classmethod
    def available(cls) -> bool:
        """Whether the backend's dependencies can be imported."""
        return True

    @classmethod
    def check_available(cls) -> None:
        """Raise ImportError with :attr:`missing_message` when not :meth:`available`."""
        if not cls.available():
            raise ImportError(cls.missing_message)

    def build(self, items: np.ndarray, n_items: int) -> None:
        """Keep the item matrix and build the caches the searches use.

        ``items`` are the L2-normalised float32 items, zero-padded to a
        multiple of :data:`~skcontrast.neighbors._search.GROUP` rows
        (:func:`~skcontrast.neighbors._search.pad_items`), of which the first
        ``n_items`` are real.
        """
        self.items = items
        self.n_items = n_items

    def search(self, chunks: Chunks, k: int, exclude_self: bool) -> Iterator[_search.Candidates]:
        """Yield the :class:`~skcontrast.neighbors._search.Candidates` of each chunk.

        ``chunks`` yields ``(start, queries)``: float32 L2-normalised queries;
        with ``exclude_self`` query ``start + r`` is item ``start + r`` and must
        never be a candidate. Each yield has the ``k`` largest float32
        similarities of each query, descending, and their item indices. Taking
        all the chunks in one call lets a kernel reuse one similarity buffer
        across them and free it at the end.
        """
        raise NotImplementedError


class NumpyBackend(SearchBackend):
    """NumPy matrix product (BLAS sgemm) and a two-step exact top-k.

    Chunks hold at most ``2**22`` similarities (16 MiB of float32; at least
    :data:`MIN_BLOCK_QUERIES` queries): 1 000 queries against 100 000 items of
    128 features ran about twice as fast in chunks of 64 to 256 queries as in
    one chunk of 1 024 (a 400 MB block written and read back from memory; see
    ``benchmarks/README.md``).
    """

    name = "numpy"
    max_block = 1 << 22

    def search(self, chunks, k, exclude_self):
        return _search.search_numpy(self.items, self.n_items, chunks, k, exclude_self)


def _torch_device() -> str:
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


class TorchBackend(SearchBackend):
    """The NumPy backend's steps with torch, on CUDA when available, else CPU.

    Builds the item matrix on the device (on the CPU, a view of the items).
    """

    name = "torch"

    def build(self, items, n_items):
        super().build(items, n_items)
        self.device = _torch_device()
        self.items_tensor = tensor_view(items).to(self.device)

    def search(self, chunks, k, exclude_self):
        return _search.search_torch(
            self.items, self.n_items, chunks, k, exclude_self, self.device, self.items_tensor
        )


class FaissBackend(SearchBackend):
    """faiss ``IndexFlatIP`` (exact inner product); needs the ``faiss`` extra.

    faiss tiles the similarity computation itself, so its memory does not grow
    with ``batch_size`` (229 MB against 929 MB peak for the NumPy backend at
    ``batch_size=1024``, with 200 000 x 128 items and 2 000 queries), but it is
    the slowest of the three backends on CPU. Queries are passed in blocks of
    at least :attr:`min_chunk`: faiss's throughput drops about threefold when
    it is called with blocks of 1 024.
    """

    name = "faiss"
    min_chunk = 16_384
    missing_message = (
        "backend='faiss' needs the optional 'faiss' extra, which is not installed: "
        "pip install 'skcontrast[faiss]' (it installs faiss-cpu), or use "
        "backend='auto', 'numpy' or 'torch'."
    )

    @classmethod
    def available(cls):
        try:
            import faiss  # noqa: F401
        except ImportError:
            return False
        return True

    def build(self, items, n_items):
        super().build(items, n_items)
        self.check_available()  # a retriever unpickled where faiss is missing
        import faiss

        self.index = faiss.IndexFlatIP(items.shape[1])
        self.index.add(items[:n_items])

    def search(self, chunks, k, exclude_self):
        return _search.search_faiss(self.index, self.items, self.n_items, chunks, k, exclude_self)


#: The fewest queries per chunk that ``max_block`` may leave (BLAS keeps its speed).
MIN_BLOCK_QUERIES = 64


def chunk_size(backend: type[SearchBackend], batch_size: int, n_items: int) -> int:
    """Queries per chunk: ``batch_size`` bounded by the backend's block limits."""
    step = batch_size
    if backend.max_block is not None:
        step = min(step, max(MIN_BLOCK_QUERIES, backend.max_block // max(n_items, 1)))
    return max(step, backend.min_chunk)


#: Backend classes by name: the one table of backends.
BACKENDS: dict[str, type[SearchBackend]] = {
    "numpy": NumpyBackend,
    "torch": TorchBackend,
    "faiss": FaissBackend,
}


class _BackendNames(Set):
    """Live view of the valid ``backend`` values: "auto" and the keys of BACKENDS."""

    def __contains__(self, name):
        return name == "auto" or name in BACKENDS

    def __iter__(self):
        return iter(["auto", *BACKENDS])

    def __len__(self):
        return 1 + len(BACKENDS)

    @classmethod
    def _from_iterable(cls, names):  # set operations give a plain set
        return set(names)


#: The valid values of ``CosineRetriever(backend=...)``, following :data:`BACKENDS`.
BACKEND_NAMES = _BackendNames()


def resolve_backend(name: str) -> type[SearchBackend]:
    """The backend class for a ``backend`` value; ImportError when it is unavailable.

    "auto" is "torch" on CUDA when available, else "numpy" (the faster of the
    two on CPU in ``benchmarks/bench_retrieve.py``).
    """
    if name == "auto":
        name = "torch" if _torch_device() == "cuda" else "numpy"
    backend = BACKENDS[name]
    backend.check_available()
    return backend
