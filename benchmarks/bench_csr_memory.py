"""Peak traced host memory of ContrastiveEmbedder.fit on CSR fingerprints.

A process view (ConditionJitter on 4 columns, bounds="fit") and a fingerprint view
(BitDropout on the rest) on a 4 000 x 1 024 CSR matrix at 3 % density; the peak
is what tracemalloc sees during one fit (NumPy and SciPy allocations; torch's own
allocator is not traced), after a warm-up fit, next to the size of the matrix
as dense float32.

    PYTHONPATH=. .venv/bin/python benchmarks/bench_csr_memory.py
"""

from __future__ import annotations

import tracemalloc
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.pipeline import make_pipeline

from skcontrast import BitDropout, ConditionJitter, ContrastiveEmbedder


def main(n: int = 4000, d: int = 1024, density: float = 0.03) -> None:
    X = sp.random(n, d, density=density, format="csr", random_state=0, dtype=np.float32)
    X.data[:] = 1.0
    view = make_pipeline(
        ConditionJitter(std=0.05, mask_prob=0.1, columns=[0, 1, 2, 3], bounds="fit"),
        BitDropout(p=0.1, columns=slice(4, None)),
    )

    def fit(rows):
        emb = ContrastiveEmbedder(
            augmenter=view, hidden_dims=(32,), n_components=8, max_epochs=1,
            batch_size=256, device="cpu", random_state=0,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # one epoch: the chance-level warning
            emb.fit(rows)

    fit(X[:64])  # warm-up: one-time allocations of torch and skorch
    tracemalloc.start()
    fit(X)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"CSR {n} x {d}, density {density}: fit peak {peak / 1e6:.1f} MB traced; "
          f"dense float32 would be {n * d * 4 / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
