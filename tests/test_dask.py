"""The recipes of the user guide's "Scaling out" page, on a 2-worker dask cluster.

One module-scoped ``LocalCluster(n_workers=2, threads_per_worker=1,
processes=True)``, small sizes. Each recipe is compared with the same work done
in memory:

- featurize -> embed -> predict on a dask DataFrame of SMILES through
  ``dask_ml.wrappers.ParallelPostFit`` around a fitted Pipeline;
- ``GridSearchCV`` under ``joblib.parallel_config(backend="dask")``;
- streaming ``partial_fit`` with ``dask_ml.wrappers.Incremental``, whose last
  block has one row.

Equality. The featurizers are exact (integers, or RDKit's float64 values
computed per molecule). The embedder's ``transform`` of a block is not
bit-identical to the transform of the whole: the encoder's matrix products
run through BLAS kernels whose blocking depends on the number of rows, so a
row's float32 sums are added in another order (measured differences up to
6e-8 on values of order 1, i.e. a few float32 ulps). Embeddings are compared
with ``rtol=1e-5, atol=1e-6``, and labels where the in-memory decision is
farther than 1e-4 from the boundary. Training (grid search, partial_fit) is
equal by construction: ``n_threads=1`` in the workers and in memory, the same
seeds, the same blocks in the same order.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

dask = pytest.importorskip("dask", reason="the dask extra (dask) is not installed")
dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
da = pytest.importorskip("dask.array", reason="dask[array] is not installed")
distributed = pytest.importorskip(
    "distributed", reason="the dask extra (distributed) is not installed"
)
wrappers = pytest.importorskip(
    "dask_ml.wrappers", reason="the dask extra (dask-ml) is not installed"
)

from joblib import parallel_config  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from skcontrast.embed import ContrastiveEmbedder, SkippedBlockWarning  # noqa: E402
from skcontrast.featurize import MorganFeaturizer  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    # the cluster's own start-up/shutdown chatter, never about skcontrast
    "ignore::ResourceWarning",
    "ignore:Port .* is already in use:UserWarning",
    "ignore:.*chance value:UserWarning",  # tiny fits on toy molecules
)

RTOL, ATOL = 1e-5, 1e-6  # see the module docstring


def _smiles() -> pd.DataFrame:
    """60 distinct valid SMILES: chains, alcohols, amines and ring compounds."""
    rows = []
    for k in range(1, 11):
        chain = "C" * k
        rows += [
            chain,
            chain + "O",
            chain + "N",
            "c1ccccc1" + chain,
            "C1CCCCC1" + chain,
            chain + "C(=O)O",
        ]
    df = pd.DataFrame({"smiles": rows})
    df["y"] = df["smiles"].str.contains("O").astype(int)
    return df


def _embedder(**kw) -> ContrastiveEmbedder:
    params = dict(
        hidden_dims=(16,),
        n_components=4,
        projection_dim=8,
        batch_size=16,
        max_epochs=3,
        device="cpu",
        random_state=0,
        n_threads=1,
    )
    params.update(kw)
    return ContrastiveEmbedder(**params)


@pytest.fixture(scope="module")
def client():
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


@pytest.fixture(scope="module")
def data():
    return _smiles()


@pytest.fixture(scope="module")
def fitted_pipeline(data):
    pipe = make_pipeline(MorganFeaturizer(n_bits=128), _embedder(), LogisticRegression())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return pipe.fit(data[["smiles"]], data["y"])


# --------------------------------------------------------- featurize -> embed -> predict
def test_parallel_post_fit_predict_on_a_dask_dataframe(client, data, fitted_pipeline):
    ddf = dd.from_pandas(data[["smiles"]], npartitions=4)
    meta = fitted_pipeline.predict(ddf.head(1))[:0]  # the output's description, from a real row
    model = wrappers.ParallelPostFit(fitted_pipeline, predict_meta=meta)
    labels = model.predict(ddf).compute()
    expected = fitted_pipeline.predict(data[["smiles"]])
    margin = np.abs(fitted_pipeline.decision_function(data[["smiles"]]))
    assert labels.dtype == expected.dtype
    np.testing.assert_array_equal(labels[margin > 1e-4], expected[margin > 1e-4])
    assert (margin > 1e-4).mean() > 0.9


def test_parallel_post_fit_transform_gives_a_dask_dataframe(client, data):
    embed = make_pipeline(MorganFeaturizer(n_bits=128), _embedder())
    embed.set_output(transform="pandas").fit(data[["smiles"]])
    ddf = dd.from_pandas(data[["smiles"]], npartitions=3)
    meta = embed.transform(ddf.head(1)).iloc[:0]
    out = wrappers.ParallelPostFit(embed, transform_meta=meta).transform(ddf)
    assert isinstance(out, dd.DataFrame)
    assert list(out.columns) == list(embed.get_feature_names_out())
    result = out.compute()
    expected = embed.transform(data[["smiles"]])
    pd.testing.assert_index_equal(result.index, expected.index)
    np.testing.assert_allclose(result.to_numpy(), expected.to_numpy(), rtol=RTOL, atol=ATOL)
    assert result.dtypes.eq(np.float32).all()


def test_map_partitions_featurizer_is_exact_and_empty_partitions_pass(client, data):
    fp = MorganFeaturizer(n_bits=64).set_output(transform="pandas")
    ddf = dd.from_pandas(data[["smiles"]], npartitions=4)
    ddf = ddf.map_partitions(lambda part: part[part.index >= 30], meta=ddf._meta)
    assert ddf.map_partitions(len).compute().tolist() == [0, 0, 15, 15]
    meta = fp.transform(pd.DataFrame({"smiles": pd.Series([], dtype=object)}))
    out = ddf.map_partitions(fp.transform, meta=meta).compute()
    expected = fp.transform(data[["smiles"]].iloc[30:])
    pd.testing.assert_frame_equal(out, expected)


def test_map_blocks_on_a_1d_dask_array_of_smiles(client, data):
    fp = MorganFeaturizer(n_bits=64)
    x = da.from_array(data["smiles"].to_numpy(dtype=object), chunks=16)
    out = x.map_blocks(
        fp.transform,
        new_axis=1,
        chunks=(x.chunks[0], (64,)),
        dtype=np.uint8,
        meta=np.empty((0, 64), dtype=np.uint8),
    )
    assert out.shape == (len(data), 64)
    np.testing.assert_array_equal(out.compute(), fp.transform(data["smiles"]))


def test_a_1d_dask_array_into_parallel_post_fit_fails_in_dask_ml(data):
    """dask-ml reads ``X.shape[1]`` to build its meta: the docs give the working forms."""
    x = da.from_array(data["smiles"].to_numpy(dtype=object), chunks=16)
    with pytest.raises(IndexError):
        wrappers.ParallelPostFit(MorganFeaturizer()).transform(x)


# -------------------------------------------------------------------- grid search
def test_grid_search_on_the_cluster_equals_in_memory(client, data):
    pipe = make_pipeline(MorganFeaturizer(n_bits=64), _embedder(max_epochs=2), LogisticRegression())
    grid = {"contrastiveembedder__temperature": [0.2, 0.5], "logisticregression__C": [0.1, 1.0]}
    X, y = data[["smiles"]], data["y"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        local = GridSearchCV(pipe, grid, cv=2).fit(X, y)
        with parallel_config(backend="dask"):
            remote = GridSearchCV(pipe, grid, cv=2, n_jobs=-1).fit(X, y)
    assert remote.best_params_ == local.best_params_
    for key in ("mean_test_score", "split0_test_score", "split1_test_score", "rank_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])


# ----------------------------------------------------------- streaming partial_fit
def test_incremental_partial_fit_equals_sequential_calls_and_survives_a_1_row_block(client):
    X = np.random.default_rng(0).normal(size=(49, 6)).astype(np.float32)
    dX = da.from_array(X, chunks=(16, 6))  # blocks of 16, 16, 16 and 1 rows
    assert dX.chunks[0] == (16, 16, 16, 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        inc = wrappers.Incremental(_embedder(max_epochs=1), shuffle_blocks=False).fit(dX)
        sequential = _embedder(max_epochs=1)
        for start in range(0, 48, 16):
            sequential.partial_fit(X[start : start + 16])
    with pytest.warns(SkippedBlockWarning, match="1 row"):
        sequential.partial_fit(X[48:])
    assert inc.estimator_.n_iter_ == sequential.n_iter_ == 3
    np.testing.assert_array_equal(inc.estimator_.transform(X), sequential.transform(X))
