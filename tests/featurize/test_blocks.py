"""The featurizers on the blocks dask hands a function: 1-D and (n, 1) string
blocks, pandas partitions, and empty partitions; dask collections are refused.

These tests need no dask (except the last, which skips without it): they feed
the in-memory forms that ``map_blocks`` / ``map_partitions`` pass.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from skcontrast.featurize import DescriptorFeaturizer, MorganFeaturizer

SMILES = ["CCO", "c1ccccc1", "CC(=O)O", "CCO", "N"]

FEATURIZERS = [
    (MorganFeaturizer(n_bits=32), (32,), np.uint8),
    (MorganFeaturizer(n_bits=32, count=True), (32,), np.uint8),
    (MorganFeaturizer(n_bits=32, sparse_output=True), (32,), np.uint8),
    (DescriptorFeaturizer(), (4,), np.float64),
    (DescriptorFeaturizer(descriptors=("MolWt", "TPSA")), (2,), np.float64),
]


def _dense(out):
    return out.toarray() if sp.issparse(out) else out


BLOCKS = {
    "1-D object": lambda s: np.asarray(s, dtype=object),
    "1-D numpy str": lambda s: np.asarray(s, dtype=str),
    "(n, 1) object": lambda s: np.asarray(s, dtype=object).reshape(-1, 1),
    "(n, 1) numpy str": lambda s: np.asarray(s, dtype=str).reshape(-1, 1),
    "Series object": lambda s: pd.Series(s, dtype=object, name="smiles"),
    "Series string": lambda s: pd.Series(s, dtype="string", name="smiles"),
    "Series pyarrow": lambda s: pd.Series(s, dtype="string[pyarrow]", name="smiles"),
    "DataFrame": lambda s: pd.DataFrame({"smiles": pd.Series(s, dtype="string")}),
}


@pytest.mark.parametrize("make", BLOCKS.values(), ids=BLOCKS.keys())
@pytest.mark.parametrize(("featurizer", "width", "dtype"), FEATURIZERS, ids=repr)
def test_every_block_form_gives_the_list_result(featurizer, width, dtype, make):
    expected = _dense(featurizer.transform(SMILES))
    out = featurizer.transform(make(SMILES))
    assert out.dtype == dtype
    np.testing.assert_array_equal(_dense(out), expected)
    # a block is the same rows wherever it is cut: rows 2.. of the whole
    np.testing.assert_array_equal(_dense(featurizer.transform(make(SMILES[2:]))), expected[2:])


@pytest.mark.parametrize("make", BLOCKS.values(), ids=BLOCKS.keys())
@pytest.mark.parametrize(("featurizer", "width", "dtype"), FEATURIZERS, ids=repr)
def test_empty_block_gives_empty_output_of_the_right_width_and_dtype(
    featurizer, width, dtype, make
):
    out = featurizer.transform(make([]))
    assert out.shape == (0, *width)
    assert out.dtype == dtype
    assert sp.issparse(out) == bool(getattr(featurizer, "sparse_output", False))


@pytest.mark.parametrize("cls", [MorganFeaturizer, DescriptorFeaturizer])
@pytest.mark.parametrize(
    "empty", [[], np.empty(0, dtype=object), np.empty((0, 1), dtype=object)], ids=repr
)
def test_fit_on_no_rows_stays_an_error(cls, empty):
    """As scikit-learn's estimators: fit needs one sample; transform does not."""
    with pytest.raises(ValueError, match="0 sample"):
        cls().fit(empty)
    with pytest.raises(ValueError, match="0 sample"):
        cls().fit_transform(empty)


def test_empty_pandas_output_has_the_feature_names_and_the_partition_index():
    fp = MorganFeaturizer(n_bits=8).set_output(transform="pandas")
    part = pd.DataFrame({"smiles": pd.Series([], dtype=object)}, index=pd.Index([], name="id"))
    fp.fit(pd.DataFrame({"smiles": SMILES}))
    out = fp.transform(part)
    assert isinstance(out, pd.DataFrame)
    assert out.shape == (0, 8)
    assert list(out.columns) == [f"morgan_{i}" for i in range(8)]
    assert (out.dtypes == np.uint8).all()
    assert out.index.name == "id"


def test_wrong_width_empty_block_is_still_an_error():
    with pytest.raises(ValueError, match="exactly one column"):
        MorganFeaturizer().transform(np.empty((0, 2), dtype=object))


@pytest.mark.filterwarnings("ignore:Dask currently has limited support:UserWarning")
def test_a_dask_collection_is_refused_rather_than_computed_into_one_process():
    dd = pytest.importorskip("dask.dataframe", reason="dask[dataframe] is not installed")
    series = dd.from_pandas(pd.Series(SMILES, name="smiles"), npartitions=2)
    for X in (series, series.to_frame(), series.to_dask_array(lengths=True)):
        for method in ("fit", "transform"):
            with pytest.raises(TypeError, match=r"dask collection.*map_partitions"):
                getattr(MorganFeaturizer(), method)(X)
