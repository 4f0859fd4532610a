"""make_views with one augmenter or a Pipeline; augmenters inside sklearn tools; fit_views."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skcontrast.augment import (
    BitDropout,
    ConditionJitter,
    FunctionAugmenter,
    SpectrumAugmenter,
    make_views,
)
from skcontrast.augment._views import fit_views


def _times_1e39(X):
    """A float64 output beyond float32's range (about 3.4e38) for any |x| >= 1."""
    return np.asarray(X, dtype=np.float64) * 1e39


def _log(X):
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log(X)


def _mof_like(rng, n=40):
    process = rng.normal(size=(n, 4))
    bits = (rng.uniform(size=(n, 16)) < 0.3).astype(float)
    return np.hstack([process, bits])


def test_pipeline_views_follow_each_step():
    rng = np.random.default_rng(0)
    X = _mof_like(rng)
    view = make_pipeline(
        ConditionJitter(std=0.05, mask_prob=0.05, columns=[0, 1, 2, 3], random_state=0),
        BitDropout(p=0.3, columns=slice(4, None), random_state=0),
    ).fit(X)
    views = make_views(view, X, n_views=3)
    assert len(views) == 3
    for v in views:
        assert v.shape == X.shape
        assert ((v[:, 4:] == X[:, 4:]) | (v[:, 4:] == 0)).all()
        assert not np.array_equal(v[:, :4], X[:, :4])
    assert not np.array_equal(views[0], views[1])
    # the Pipeline exposes the step parameters for GridSearchCV
    assert view.get_params()["conditionjitter__std"] == 0.05


def test_single_augmenter_and_dataframe():
    X = pd.DataFrame(np.random.default_rng(0).uniform(size=(5, 30)))
    X.columns = [f"w{i}" for i in range(30)]
    aug = SpectrumAugmenter(random_state=0).fit(X)
    v1, v2 = make_views(aug, X)
    assert isinstance(v1, pd.DataFrame) and not v1.equals(v2)


def test_plain_transformers_go_through_transform():
    X = np.random.default_rng(0).normal(size=(30, 3))
    pipe = make_pipeline(StandardScaler(), ConditionJitter(std=0.0, random_state=0)).fit(X)
    (v,) = make_views(pipe, X, n_views=1)
    np.testing.assert_allclose(v, StandardScaler().fit_transform(X))


def test_unfitted_and_bad_arguments():
    X = np.ones((3, 2))
    with pytest.raises(NotFittedError):
        make_views(ConditionJitter(), X)
    with pytest.raises(ValueError, match="n_views"):
        make_views(ConditionJitter().fit(X), X, n_views=0)
    with pytest.raises(TypeError, match="neither augment nor transform"):
        make_views(object(), X)


def test_augmenter_in_a_classifier_pipeline_only_augments_training():
    """transform is the identity, so predict and GridSearchCV scoring see clean data."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    y = (X[:, 0] > 0).astype(int)
    pipe = make_pipeline(ConditionJitter(std=0.1, random_state=0), LogisticRegression())
    pipe.fit(X, y)
    assert pipe.score(X, y) > 0.8
    np.testing.assert_array_equal(pipe[:-1].transform(X), X)
    grid = GridSearchCV(pipe, {"conditionjitter__std": [0.0, 0.5]}, cv=3).fit(X, y)
    assert grid.best_params_["conditionjitter__std"] in (0.0, 0.5)


def test_augment_tensor_with_a_pipeline_matches_the_steps():
    from skcontrast.augment._views import augment_tensor_with

    rng = np.random.default_rng(0)
    X = _mof_like(rng)
    pipe = make_pipeline(
        StandardScaler(),
        ConditionJitter(std=0.05, mask_prob=0.5, columns=[0, 1, 2, 3], random_state=0),
        BitDropout(p=0.3, columns=slice(4, None), random_state=0),
    ).fit(X)
    Xt = torch.tensor(X, dtype=torch.float32)
    before = Xt.clone()
    a = augment_tensor_with(pipe, Xt, torch.Generator().manual_seed(5))
    # by hand: scaler on the CPU, then each augmenter with the same generator stream
    g = torch.Generator().manual_seed(5)
    hand = torch.as_tensor(pipe[0].transform(Xt.numpy()), dtype=torch.float32)
    hand = pipe[2].augment_tensor(pipe[1].augment_tensor(hand, g), g)
    assert torch.equal(a, hand) and a.dtype == torch.float32
    assert torch.equal(Xt, before)
    b = augment_tensor_with(pipe, Xt, torch.Generator().manual_seed(6))
    assert not torch.equal(a, b)
    # a single augmenter at zero strength gives a new, equal tensor
    same = augment_tensor_with(ConditionJitter(std=0.0).fit(X), Xt, torch.Generator())
    assert torch.equal(same, Xt) and same.data_ptr() != Xt.data_ptr()


def test_nested_pipelines_are_unrolled():
    X = np.random.default_rng(0).normal(size=(20, 3))
    nested = make_pipeline(make_pipeline(ConditionJitter(std=1.0, random_state=0))).fit(X)
    v1, v2 = make_views(nested, X)
    assert not np.array_equal(v1, X) and not np.array_equal(v1, v2)


@pytest.mark.parametrize("wrap", ["column_transformer", "feature_union"])
def test_augmenters_hidden_in_other_meta_estimators_are_an_error(wrap):
    """Their transform is the identity: every view would silently equal X."""
    from sklearn.compose import make_column_transformer
    from sklearn.pipeline import make_union

    X = np.random.default_rng(0).normal(size=(20, 3))
    jitter = ConditionJitter(std=1.0, random_state=0)
    if wrap == "column_transformer":
        meta = make_column_transformer((jitter, [0, 1]), remainder="passthrough")
    else:
        meta = make_union(jitter)
    meta.fit(X)
    with pytest.raises(ValueError, match=r"holds ConditionJitter.*columns="):
        make_views(meta, X)
    with pytest.raises(ValueError, match="holds ConditionJitter"):
        make_views(make_pipeline(StandardScaler(), meta).fit(X), X)


def test_fit_transform_and_transform_give_the_same_container():
    """DataFrame in, DataFrame out of fit_transform, transform and augment alike, so
    the next step sees one container at fit and at predict time (and can use names)."""
    from sklearn.compose import make_column_transformer

    rng = np.random.default_rng(0)
    df = pd.DataFrame(rng.normal(size=(40, 3)), columns=["T", "conc", "t"])
    jitter = ConditionJitter(std=0.1, random_state=0)
    for out in (jitter.fit_transform(df), jitter.transform(df), jitter.augment(df)):
        assert isinstance(out, pd.DataFrame) and list(out.columns) == ["T", "conc", "t"]
    y = (df["T"] > 0).astype(int)
    pipe = make_pipeline(
        ConditionJitter(std=0.1, random_state=0),
        make_column_transformer((StandardScaler(), ["T", "conc"])),
        LogisticRegression(),
    )
    assert pipe.fit(df, y).predict(df).shape == (40,)  # without set_output too
    # a later augmenter names columns of the earlier one's output
    view = make_pipeline(
        ConditionJitter(std=0.1, columns=["T"], random_state=0),
        ConditionJitter(std=0.1, columns=["conc", "t"], random_state=0),
    ).fit(df)
    assert view[-1].columns_.tolist() == [1, 2]
    out = ConditionJitter(std=0.1, random_state=0).set_output(transform="pandas").fit_transform(df)
    assert isinstance(out, pd.DataFrame) and list(out.columns) == ["T", "conc", "t"]
    assert isinstance(jitter.transform(df.to_numpy()), np.ndarray)  # arrays stay arrays


def test_a_foreign_step_overflowing_float32_is_refused_not_cast_to_inf():
    """The cast of a FunctionTransformer's float64 output to the float32 training
    tensor would make inf (then a generic "loss became nan"): a clear error instead."""
    from skcontrast.augment._views import augment_tensor_with

    X = np.array([[0.5, 0.0], [0.1, 2.0], [0.0, -3.0]])
    pipe = make_pipeline(
        ConditionJitter(std=0.0, random_state=0), FunctionTransformer(_times_1e39)
    ).fit(X)
    with pytest.raises(
        ValueError,
        match=r"^Input X \(the output of FunctionTransformer in the augmenter\) has values "
        r"outside float32's range \(magnitude at most 3\.402823e\+38\) in column 0 at "
        r"row\(s\) \[0\] \(value\(s\) \[5e\+38\]\); 1 such value\(s\) in that column, "
        r"3 in all \(also column 1\)\.",
    ):
        augment_tensor_with(pipe, torch.tensor(X, dtype=torch.float32), torch.Generator())
    # float64 training tensors hold these values: no error
    out = augment_tensor_with(pipe, torch.tensor(X), torch.Generator())
    assert out.dtype == torch.float64 and torch.isfinite(out).all()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_a_foreign_step_making_nan_is_named(dtype):
    from skcontrast.augment._views import augment_tensor_with

    X = np.array([[1.0, 2.0], [1.0, -2.0]])
    pipe = make_pipeline(FunctionTransformer(_log)).fit(X)
    with pytest.raises(
        ValueError,
        match=r"^Input X \(the output of FunctionTransformer in the augmenter\) contains "
        r"NaN \(NaN or inf are not allowed\) in column 1 at row\(s\) \[1\]",
    ):
        augment_tensor_with(pipe, torch.tensor(X, dtype=dtype), torch.Generator())


# ------------------------------------------------------------------ fit_views
class _Recorder(TransformerMixin, BaseEstimator):
    """Records what its fit saw; declares sparse input only when ``sparse=True``."""

    def __init__(self, sparse=True):
        self.sparse = sparse

    def fit(self, X, y=None):
        self.seen_type_ = type(X)
        self.seen_sparse_ = sp.issparse(X)
        self.seen_columns_ = list(X.columns) if isinstance(X, pd.DataFrame) else None
        self.seen_ = X.toarray() if sp.issparse(X) else np.array(X, copy=True)
        return self

    def transform(self, X):
        return X.toarray() * 2.0 if sp.issparse(X) else np.asarray(X) * 2.0

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = self.sparse
        return tags


def test_fit_views_returns_a_fitted_clone_and_leaves_the_argument_alone():
    X = _mof_like(np.random.default_rng(0))
    pipe = make_pipeline(ConditionJitter(std=0.1), BitDropout(p=0.2, columns=slice(4, None)))
    fitted = fit_views(pipe, X, seed=5)
    assert fitted is not pipe and fitted[0] is not pipe[0]
    assert pipe[0].random_state is None and not hasattr(pipe[0], "columns_")
    assert fitted[1].columns_.tolist() == list(range(4, 20))
    v1, v2 = make_views(fitted, X)
    assert not np.array_equal(v1, v2)
    single = fit_views(ConditionJitter(std=0.1), X, seed=5)
    assert isinstance(single, ConditionJitter) and single.n_features_in_ == 20


def test_fit_views_seeds_the_unseeded_steps_in_order_from_seed():
    """``default_rng(seed)``, then ``int(rng.integers(2**31 - 1))`` per step whose
    random_state is None, in step order (nested Pipelines unrolled, passthrough
    dropped); set seeds are kept and draw nothing; steps without one draw nothing."""
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import QuantileTransformer

    X = np.random.default_rng(0).normal(size=(30, 3))
    pipe = Pipeline(
        [
            ("a", ConditionJitter(std=0.1)),
            ("scale", StandardScaler()),
            ("skip", "passthrough"),
            ("b", ConditionJitter(std=0.1, random_state=7)),
            ("inner", make_pipeline(ConditionJitter(std=0.1), None)),
            ("quantile", QuantileTransformer(n_quantiles=10)),
        ]
    )
    fitted = fit_views(pipe, X, seed=123)
    rng = np.random.default_rng(123)
    expected = [int(rng.integers(2**31 - 1)) for _ in range(3)]
    got = [
        fitted.named_steps["a"].random_state,
        fitted.named_steps["inner"][0].random_state,
        fitted.named_steps["quantile"].random_state,
    ]
    assert got == expected
    assert fitted.named_steps["b"].random_state == 7
    # the same seed gives the same fitted steps, hence the same views
    again = fit_views(pipe, X, seed=123)
    for v, w in zip(make_views(fitted, X), make_views(again, X), strict=True):
        np.testing.assert_array_equal(v, w)
    other = fit_views(pipe, X, seed=124)
    assert other.named_steps["a"].random_state != expected[0]


def test_fit_views_fits_each_step_on_the_previous_transform_not_on_a_view():
    """bounds="fit" and the imputed means come from the real (scaled) data."""
    X = np.random.default_rng(0).normal(3.0, 2.0, size=(50, 3))
    pipe = make_pipeline(
        ConditionJitter(std=100.0),
        StandardScaler(),
        ConditionJitter(std=100.0, mask_prob=0.5, bounds="fit"),
        _Recorder(),
    )
    fitted = fit_views(pipe, X, seed=0)
    scaled = StandardScaler().fit_transform(X)
    np.testing.assert_allclose(fitted[1].mean_, X.mean(axis=0))
    np.testing.assert_allclose(fitted[2].mean_, scaled.mean(axis=0), atol=1e-12)
    np.testing.assert_allclose(fitted[2].bounds_[:, 0], scaled.min(axis=0))
    np.testing.assert_allclose(fitted[2].bounds_[:, 1], scaled.max(axis=0))
    np.testing.assert_allclose(fitted[3].seen_, scaled)


def test_fit_views_names_columns_with_feature_names():
    X = np.random.default_rng(0).normal(size=(20, 3))
    names = np.array(["T", "conc", "t"], dtype=object)
    pipe = make_pipeline(
        ConditionJitter(std=0.1, columns=["T"]),
        _Recorder(),  # its ndarray output is named again for the next step
        ConditionJitter(std=0.1, columns=["conc", "t"]),
    )
    fitted = fit_views(pipe, X, seed=0, feature_names=names)
    assert fitted[0].columns_.tolist() == [0] and fitted[2].columns_.tolist() == [1, 2]
    assert fitted[1].seen_columns_ == ["T", "conc", "t"]
    assert fitted[0].feature_names_in_.tolist() == ["T", "conc", "t"]
    # without names, names are an error of the step's fit
    with pytest.raises(ValueError, match="need X to be a DataFrame"):
        fit_views(pipe, X, seed=0)
    # without names, arrays stay arrays
    plain = fit_views(make_pipeline(_Recorder()), X, seed=0)
    assert plain[0].seen_type_ is np.ndarray


def test_fit_views_densifies_csr_only_for_steps_without_sparse_input():
    X = sp.random(30, 8, density=0.3, format="csr", random_state=0)
    sparse_ok = fit_views(make_pipeline(BitDropout(p=0.2), _Recorder(sparse=True)), X, seed=0)
    assert sparse_ok[0].n_features_in_ == 8 and sparse_ok[1].seen_sparse_
    dense = fit_views(make_pipeline(BitDropout(p=0.2), _Recorder(sparse=False)), X, seed=0)
    assert dense[1].seen_type_ is np.ndarray and not dense[1].seen_sparse_
    np.testing.assert_array_equal(dense[1].seen_, X.toarray())
    # feature names never wrap CSR in a DataFrame
    names = [f"bit{i}" for i in range(8)]
    kept = fit_views(make_pipeline(_Recorder(sparse=True)), X, seed=0, feature_names=names)
    assert kept[0].seen_columns_ is None and kept[0].seen_sparse_


def test_fit_views_refuses_augmenters_hidden_in_a_column_transformer():
    from sklearn.compose import make_column_transformer

    X = np.random.default_rng(0).normal(size=(20, 3))
    meta = make_column_transformer((ConditionJitter(std=1.0), [0]), remainder="passthrough")
    with pytest.raises(ValueError, match="holds ConditionJitter"):
        fit_views(meta, X, seed=0)


def test_fit_views_matches_contrastive_embedder_augmenter_():
    """The embedder's fitted augmenter is fit_views(augmenter, X, seed=its seed)."""
    from skcontrast.embed import ContrastiveEmbedder
    from skcontrast.utils._random import check_generator, draw_seed

    X = pd.DataFrame(
        _mof_like(np.random.default_rng(0)), columns=[f"c{i}" for i in range(20)]
    ).astype(np.float32)
    pipe = make_pipeline(
        ConditionJitter(std=0.1, columns=["c0", "c1", "c2", "c3"]),
        BitDropout(p=0.1, columns=[f"c{i}" for i in range(4, 20)]),
    )
    emb = ContrastiveEmbedder(
        augmenter=pipe,
        hidden_dims=(),
        n_components=2,
        projection_dim=None,
        batch_size=20,
        max_epochs=1,
        device="cpu",
        random_state=3,
    ).fit(X)
    ours = fit_views(
        pipe, X.to_numpy(), seed=draw_seed(check_generator(3)), feature_names=emb.feature_names_in_
    )
    for a, b in zip(emb.augmenter_, ours, strict=True):
        assert a.get_params() == b.get_params()
        np.testing.assert_array_equal(a.columns_, b.columns_)
    for v, w in zip(make_views(emb.augmenter_, X), make_views(ours, X), strict=True):
        np.testing.assert_array_equal(v, w)


# ----------------------------------------- issue 17: one check, one copy per batch
def _old_augment_tensor(step, X, generator):
    """``augment_tensor`` as it was before issue 17: gather the columns, augment them,
    copy the whole batch and scatter the result back (the reference for bit-identity)."""
    if step._all_columns:
        return step._augment_block(X, generator)
    cols = torch.as_tensor(step.columns_)
    out = X.clone()
    out.index_copy_(1, cols, step._augment_block(X.index_select(1, cols), generator))
    return out


def _mof_pipelines():
    return {
        "issue 17": make_pipeline(
            ConditionJitter(std=0.05, columns=range(4)), BitDropout(p=0.02, columns=range(4, 20))
        ),
        "masked, bounded": make_pipeline(
            ConditionJitter(
                std=[1.0, 0.1, 2.0, 0.2],
                relative_std=0.03,
                mask_prob=0.5,
                bounds="fit",
                columns=[0, 1, 2, 3],
            ),
            BitDropout(p=0.3, columns=slice(4, None)),
        ),
        "scattered columns": make_pipeline(
            ConditionJitter(std=0.5, mask_prob=0.3, columns=[3, 0, 2]),
            BitDropout(p=0.4, columns=[10, 5, 17, 7]),
        ),
        "all columns first": make_pipeline(
            BitDropout(p=0.2), ConditionJitter(std=0.1, columns=[1, 2])
        ),
        "spectra and a function": make_pipeline(
            SpectrumAugmenter(noise_std=0.1, max_shift=2, columns=slice(4, None)),
            FunctionAugmenter(lambda X, g: X * 2.0, columns=[0, 1]),
        ),
        "a scaler between": make_pipeline(
            ConditionJitter(std=0.1, columns=range(4)),
            StandardScaler(),
            BitDropout(p=0.3, columns=range(4, 20)),
        ),
    }


@pytest.mark.parametrize("name", list(_mof_pipelines()))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_pipeline_tensor_views_are_those_of_the_steps_one_by_one(name, dtype):
    """One copy of the batch for the whole Pipeline (or none with overwrite=True),
    each step writing its columns in place: the same random numbers and the same
    values, bit for bit, as the steps' former augment_tensor one after the other."""
    from skcontrast.augment._views import _steps, apply_tensor_steps

    X = _mof_like(np.random.default_rng(0), n=50)
    steps = _steps(fit_views(_mof_pipelines()[name], X, seed=3))
    Xt = torch.tensor(X, dtype=dtype)
    before = Xt.clone()

    g = torch.Generator().manual_seed(11)
    expected = Xt
    for step in steps:
        if hasattr(step, "augment_tensor"):
            expected = _old_augment_tensor(step, expected, g)
        else:
            expected = torch.as_tensor(step.transform(expected.numpy()), dtype=dtype)

    got = apply_tensor_steps(steps, Xt, torch.Generator().manual_seed(11))
    assert torch.equal(got, expected) and got.dtype == dtype
    assert torch.equal(Xt, before)  # not overwritten
    assert got.data_ptr() != Xt.data_ptr()

    mine = Xt.clone()
    got = apply_tensor_steps(steps, mine, torch.Generator().manual_seed(11), overwrite=True)
    assert torch.equal(got, expected)
    # each public augment_tensor still gives the same view as before, on a copy
    g1, g2 = torch.Generator().manual_seed(4), torch.Generator().manual_seed(4)
    for step in steps:
        if hasattr(step, "augment_tensor"):
            new = step.augment_tensor(Xt, g1)
            assert torch.equal(new, _old_augment_tensor(step, Xt, g2))
            assert torch.equal(Xt, before) and new.data_ptr() != Xt.data_ptr()


def test_overwrite_writes_column_subsets_into_the_given_batch():
    """ContrastiveNet.two_views hands over the stacked batch it made: no copy at all."""
    from skcontrast.augment._views import _steps, apply_tensor_steps

    X = _mof_like(np.random.default_rng(0), n=30)
    steps = _steps(fit_views(_mof_pipelines()["issue 17"], X, seed=0))
    batch = torch.tensor(X, dtype=torch.float32)
    out = apply_tensor_steps(steps, batch, torch.Generator().manual_seed(0), overwrite=True)
    assert out is batch
    assert not torch.equal(out, torch.tensor(X, dtype=torch.float32))


def test_a_step_returning_a_view_of_its_input_is_never_written_through():
    """A foreign transform that returns its input shares X's memory: the next
    augmenter copies before writing, so X is left alone."""
    from skcontrast.augment._views import _steps, apply_tensor_steps

    X = _mof_like(np.random.default_rng(0), n=30).astype(np.float32)
    pipe = make_pipeline(FunctionTransformer(lambda Z: Z), BitDropout(p=0.5, columns=range(4, 20)))
    steps = _steps(fit_views(pipe, X, seed=0))
    Xt = torch.from_numpy(X.copy())
    before = Xt.clone()
    out = apply_tensor_steps(steps, Xt, torch.Generator().manual_seed(0))
    assert torch.equal(Xt, before) and not torch.equal(out, before)


def test_a_subclass_with_its_own_augment_tensor_is_called():
    from skcontrast.augment._views import _steps, apply_tensor_steps

    class Doubling(BitDropout):
        def augment_tensor(self, X, generator):
            return X * 2.0

    X = _mof_like(np.random.default_rng(0), n=10)
    steps = _steps(fit_views(make_pipeline(Doubling(p=0.5, columns=[0])), X, seed=0))
    Xt = torch.tensor(X)
    out = apply_tensor_steps(steps, Xt, torch.Generator(), overwrite=True)
    assert torch.equal(out, Xt * 2.0)


@pytest.mark.parametrize("name", list(_mof_pipelines()))
def test_fit_views_of_validated_X_fits_the_same_steps(name):
    """validated=True (the embedder) skips the input checks, not the statistics."""
    X = _mof_like(np.random.default_rng(1), n=60).astype(np.float32)
    X[:, 1] = X[:, 1] * 100 + 7  # means and bounds worth comparing
    a = fit_views(_mof_pipelines()[name], X, seed=5)
    b = fit_views(_mof_pipelines()[name], X, seed=5, validated=True)
    for sa, sb in zip(_steps_of(a), _steps_of(b), strict=True):
        fitted = {k: v for k, v in vars(sa).items() if k.endswith("_") and not k.startswith("__")}
        assert (
            fitted.keys()
            == {
                k: v for k, v in vars(sb).items() if k.endswith("_") and not k.startswith("__")
            }.keys()
        )
        for key, value in fitted.items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(value, getattr(sb, key), err_msg=key)
    for v, w in zip(make_views(a, X), make_views(b, X), strict=True):
        np.testing.assert_array_equal(v, w)


def _steps_of(fitted):
    return list(fitted) if hasattr(fitted, "steps") else [fitted]


def test_fit_views_of_validated_X_checks_nothing_again(monkeypatch):
    """The leading augmenters are fitted on the validated X as it is: no second
    validation or NaN scan per step, no DataFrame, no copy; names still resolve."""
    import skcontrast.augment._base as base

    calls = []
    monkeypatch.setattr(base, "validate_float", lambda *a, **k: calls.append(1))
    X = _mof_like(np.random.default_rng(0)).astype(np.float32)
    names = np.array([f"c{i}" for i in range(20)], dtype=object)
    seen = []

    class Recording(ConditionJitter):
        def _fit_columns(self, X_cols):
            seen.append(X_cols)
            super()._fit_columns(X_cols)

    pipe = make_pipeline(
        Recording(std=0.1, columns=["c0", "c1", "c2", "c3"]),
        BitDropout(p=0.1, columns=[f"c{i}" for i in range(4, 20)]),
    )
    fitted = fit_views(pipe, X, seed=0, feature_names=names, validated=True)
    assert calls == []
    assert fitted[1].columns_.tolist() == list(range(4, 20))
    assert fitted[0].feature_names_in_.tolist() == names.tolist()
    assert fitted[1].n_features_in_ == 20
    (X_cols,) = seen
    assert np.shares_memory(X_cols, X)  # a view of the four columns, not a copy
    # invalid parameters are still refused
    with pytest.raises(ValueError, match="std"):
        fit_views(make_pipeline(ConditionJitter(std=-1.0)), X, seed=0, validated=True)


def test_fit_views_of_validated_X_uses_a_subclass_own_fit():
    class OwnFit(ConditionJitter):
        def fit(self, X, y=None):
            self.saw_ = type(X)
            return super().fit(X, y)

    X = _mof_like(np.random.default_rng(0))
    names = [f"c{i}" for i in range(20)]
    fitted = fit_views(OwnFit(std=0.1), X, seed=0, feature_names=names, validated=True)
    assert fitted.saw_ is pd.DataFrame


def test_embedder_fit_validates_X_once(monkeypatch):
    """ContrastiveEmbedder validates X; its augmenters do not scan it again."""
    import warnings

    import skcontrast.augment._base as base
    from skcontrast.embed import ContrastiveEmbedder

    calls = []
    real = base.validate_float
    monkeypatch.setattr(base, "validate_float", lambda *a, **k: calls.append(1) or real(*a, **k))
    X = _mof_like(np.random.default_rng(0), n=64).astype(np.float32)
    emb = ContrastiveEmbedder(
        hidden_dims=(8,),
        n_components=4,
        projection_dim=4,
        batch_size=32,
        max_epochs=1,
        augmenter=_mof_pipelines()["issue 17"],
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # one epoch may sit near chance
        emb.fit(X)
    assert calls == []
    assert emb.augmenter_[1].columns_.tolist() == list(range(4, 20))
