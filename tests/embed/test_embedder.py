"""ContrastiveEmbedder: training, the encoder slot, determinism, faults, pickling."""

from __future__ import annotations

import copy
import pickle
import warnings
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from skcontrast.embed import ContrastiveEmbedder, MLPEncoder
from skcontrast.losses import ContrastiveLoss, NTXentLoss, nt_xent
from skcontrast.utils._sklearn import InvalidParameterError
from skcontrast.utils._versioning import InconsistentVersionWarning
from tests.embed._support import GaussianNoise
from tests.embed._support import blobs as _blobs
from tests.embed._support import small as _small


def _view_margin(embedder, X, seed=1):
    """Mean cosine of positive pairs (two views of a row) minus that of negative pairs."""
    rng = np.random.default_rng(seed)
    z1 = embedder.transform(X + 0.3 * rng.normal(size=X.shape))
    z2 = embedder.transform(X + 0.3 * rng.normal(size=X.shape))
    z1 /= np.linalg.norm(z1, axis=1, keepdims=True)
    z2 /= np.linalg.norm(z2, axis=1, keepdims=True)
    S = z1 @ z2.T
    positives = np.trace(S) / len(S)
    negatives = (S.sum() - np.trace(S)) / (S.size - len(S))
    return positives - negatives


def test_training_separates_positives_from_negatives():
    X, _ = _blobs(n=256, d=8)
    untrained = _small(max_epochs=1, lr=1e-12, n_components=8).fit(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        trained = _small(max_epochs=40, n_components=8).fit(X)
    before, after = _view_margin(untrained, X), _view_margin(trained, X)
    assert after > before + 0.08, (before, after)
    assert trained.history_[-1, "train_loss"] < trained.history_[0, "train_loss"]
    assert trained.score(X) > untrained.score(X)


def test_transform_shape_dtype_and_feature_names():
    X, _ = _blobs()
    emb = _small().fit(X)
    Z = emb.transform(X)
    assert Z.shape == (len(X), 4) and Z.dtype == np.float32
    assert emb.n_features_in_ == 6 and emb.n_iter_ == 3 and len(emb.history_) == 3
    assert list(emb.get_feature_names_out()) == [f"contrastiveembedder{i}" for i in range(4)]
    assert emb.set_output(transform="pandas").transform(X).shape == (len(X), 4)


def test_same_seed_same_embedding_other_seed_differs():
    X, _ = _blobs()
    a = _small(random_state=3).fit(X).transform(X)
    b = _small(random_state=3).fit(X).transform(X)
    c = _small(random_state=4).fit(X).transform(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    # a clone of a fitted estimator refits to the same result
    fitted = _small(random_state=3).fit(X)
    np.testing.assert_array_equal(clone(fitted).fit(X).transform(X), a)


def test_torch_global_rng_untouched():
    X, _ = _blobs()
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    _small().fit(X)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())


def test_float64_dataframe_and_csr_inputs_agree():
    X, _ = _blobs()
    ref = _small().fit(X.astype(np.float32)).transform(X)
    df = pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])])
    emb_df = _small().fit(df)
    np.testing.assert_allclose(emb_df.transform(df), ref, rtol=1e-5, atol=1e-6)
    assert list(emb_df.feature_names_in_) == list(df.columns)
    Xs = sp.csr_matrix(X)
    np.testing.assert_allclose(_small().fit(Xs).transform(Xs), ref, rtol=1e-5, atol=1e-6)


def test_encoder_slot_class_and_kwargs():
    X, _ = _blobs()
    emb = _small(encoder=MLPEncoder, encoder_kwargs={"hidden_dims": (8, 8)}).fit(X)
    linears = [m for m in emb.net_.module_.modules() if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == [8, 8, 4]


def test_encoder_instance_is_deep_copied_and_sets_width():
    X, _ = _blobs()
    enc = torch.nn.Sequential(torch.nn.Linear(6, 16), torch.nn.ReLU(), torch.nn.Linear(16, 5))
    before = copy.deepcopy(enc.state_dict())
    emb = _small(encoder=enc).fit(X)
    for key, value in enc.state_dict().items():
        torch.testing.assert_close(value, before[key])
    assert emb.net_.module_ is not enc
    assert emb.transform(X).shape == (len(X), 5)
    assert len(emb.get_feature_names_out()) == 5


def test_linear_encoder_and_no_head():
    X, _ = _blobs()
    emb = _small(hidden_dims=(), projection_dim=None).fit(X)
    assert emb.net_.head is None
    assert isinstance(emb.net_.module_.net[0], torch.nn.Linear)
    assert len(emb.net_.module_.net) == 1


def test_pipeline_of_augmenters():
    X, _ = _blobs()
    aug = make_pipeline(GaussianNoise(0.1), GaussianNoise(0.1))
    emb = _small(augmenter=aug).fit(X)
    assert emb.augmenter_ is not aug and hasattr(emb.augmenter_.steps[0][1], "n_features_in_")
    assert not hasattr(aug.steps[0][1], "n_features_in_")  # the parameter is not fitted


def test_supcon_uses_labels():
    X, y = _blobs()
    with pytest.raises(ValueError, match="supcon"):
        _small(loss="supcon").fit(X)
    emb = _small(loss="supcon", max_epochs=10).fit(X, y)
    shuffled = np.random.default_rng(0).permutation(y)
    assert emb.score(X, y) > emb.score(X, shuffled)  # the labels it learned from fit better


def test_info_nce_loss_trains():
    X, _ = _blobs()
    emb = _small(loss="info_nce", max_epochs=5).fit(X)
    assert emb.history_[-1, "train_loss"] < emb.history_[0, "train_loss"]


def test_partial_fit_continues():
    X, _ = _blobs()
    emb = _small(max_epochs=2).partial_fit(X)  # unfitted: acts as fit
    assert emb.n_iter_ == 2
    Z_before = emb.transform(X)
    emb.partial_fit(X)
    assert emb.n_iter_ == 4 and len(emb.history_) == 4
    assert not np.allclose(Z_before, emb.transform(X))


def test_validation_fraction_too_large_for_data():
    X, _ = _blobs(n=6)
    with pytest.raises(ValueError, match="validation_fraction"):
        _small(validation_fraction=0.1).fit(X)


def test_failed_refit_leaves_the_estimator_unfitted():
    X, y = _blobs()
    emb = _small(loss="supcon").fit(X, y)
    with pytest.raises(ValueError, match="missing label"):
        emb.fit(X[:, :3], np.where(y == 0, np.nan, y))
    with pytest.raises(NotFittedError):  # not the old model with the new input width
        emb.transform(X)


class _PoisonableEncoder(torch.nn.Module):
    poisoned = False

    def __init__(self, in_features, out_features):
        super().__init__()
        self.lin = torch.nn.Linear(in_features, out_features)

    def forward(self, x):
        out = self.lin(x)
        return out * float("nan") if self.training and type(self).poisoned else out


def test_failed_partial_fit_restores_the_model(monkeypatch):
    X, _ = _blobs()
    emb = _small(encoder=_PoisonableEncoder, max_epochs=2).fit(X)
    Z, score, n_iter = emb.transform(X), emb.score(X), emb.n_iter_
    monkeypatch.setattr(_PoisonableEncoder, "poisoned", True)
    with pytest.raises(FloatingPointError, match="epoch 3"):
        emb.partial_fit(X)
    np.testing.assert_array_equal(emb.transform(X), Z)
    assert emb.score(X) == score and emb.n_iter_ == n_iter and len(emb.net_.history) == n_iter
    monkeypatch.setattr(_PoisonableEncoder, "poisoned", False)
    assert emb.partial_fit(X).n_iter_ == n_iter + 2


def test_partial_fit_follows_set_params():
    X, _ = _blobs()
    emb = _small(max_epochs=2).fit(X)
    adam_steps = float(emb.net_.optimizer_.state_dict()["state"][0]["step"])  # 2 x 4 batches
    emb.set_params(max_epochs=1, lr=0.05, weight_decay=0.01, temperature=0.9, batch_size=32)
    emb.partial_fit(X)
    net = emb.net_
    assert emb.n_iter_ == 3
    assert net.optimizer_.param_groups[0]["lr"] == 0.05
    assert net.optimizer_.param_groups[0]["weight_decay"] == 0.01
    assert net.criterion_.temperature == 0.9
    assert emb.history_[-1, "batches", 0, "train_batch_size"] == 32
    # the optimizer was not re-created: Adam kept counting its steps
    assert float(net.optimizer_.state_dict()["state"][0]["step"]) == adam_steps + 8


def test_partial_fit_keeps_a_schedulers_learning_rate():
    from skorch.callbacks import LRScheduler
    from torch.optim.lr_scheduler import StepLR

    X, _ = _blobs()
    scheduler = LRScheduler(policy=StepLR, step_size=1, gamma=0.5)
    emb = _small(lr=0.1, max_epochs=3, callbacks=[("lrs", scheduler)]).fit(X)
    lrs = []
    for _ in range(2):
        emb.partial_fit(X)
        lrs.append(emb.net_.optimizer_.param_groups[0]["lr"])
    assert lrs[1] < lrs[0] < 0.1 * 0.5**3  # decays on, never reset to lr


def test_partial_fit_refuses_to_drop_the_split_early_stopping_watches():
    X, _ = _blobs()
    emb = _small(validation_fraction=0.25, early_stopping=True).fit(X)
    with pytest.raises(ValueError, match=r"early stopping .* validation loss"):
        emb.set_params(validation_fraction=0.0).partial_fit(X)
    emb.set_params(validation_fraction=0.25).partial_fit(X)  # still usable


def test_failed_partial_fit_puts_the_random_streams_back(monkeypatch):
    X, _ = _blobs()
    emb = _small(encoder=_PoisonableEncoder, max_epochs=2).fit(X)
    twin = pickle.loads(pickle.dumps(emb))
    monkeypatch.setattr(_PoisonableEncoder, "poisoned", True)
    with pytest.raises(FloatingPointError):
        emb.partial_fit(X)
    monkeypatch.setattr(_PoisonableEncoder, "poisoned", False)
    np.testing.assert_array_equal(emb.partial_fit(X).transform(X), twin.partial_fit(X).transform(X))


def test_supcon_scores_labels_unseen_at_fit_and_rejects_missing_ones():
    X, y = _blobs()
    emb = _small(loss="supcon").fit(X[y < 2], y[y < 2])
    assert np.isfinite(emb.score(X, y))  # class 2 only appears here
    emb.partial_fit(X, np.array(["a", "b", "c"])[y])
    with pytest.raises(ValueError, match=r"missing label.*\[1\]"):
        emb.score(X[:3], np.array([0.0, np.nan, 1.0]))


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.array([[1.0, np.nan], [0.0, 1.0], [1.0, 1.0]]), "NaN"),
        (np.array([[1.0, np.inf], [0.0, 1.0], [1.0, 1.0]]), "infinity"),
        (np.ones((1, 3)), "minimum of 2"),
    ],
)
def test_bad_input(X, match):
    with pytest.raises(ValueError, match=match):
        _small().fit(X)


def test_wrong_feature_count_and_unfitted():
    from sklearn.exceptions import NotFittedError

    X, _ = _blobs()
    with pytest.raises(NotFittedError):
        _small().transform(X)
    emb = _small().fit(X)
    with pytest.raises(ValueError, match="features"):
        emb.transform(X[:, :3])


def test_cuda_requested_without_cuda_is_a_clear_error():
    if torch.cuda.is_available():
        pytest.skip("CUDA is available here")
    X, _ = _blobs()
    with pytest.raises(ValueError, match="CUDA is not available"):
        _small(device="cuda").fit(X)


def test_chance_level_loss_warns():
    X = np.ones((64, 4))  # every row identical: no row can be told apart
    with pytest.warns(UserWarning, match="chance value") as record:
        _small(max_epochs=2, augmenter=FunctionTransformer()).fit(X)
    assert record[0].filename == __file__  # points at the user's line
    with pytest.warns(UserWarning, match="chance value") as record:
        make_pipeline(_small(max_epochs=2, augmenter=FunctionTransformer())).fit(X)
    assert record[0].filename == __file__


def test_score_is_deterministic_and_needs_two_rows():
    X, _ = _blobs()
    emb = _small().fit(X)
    assert emb.score(X) == emb.score(X)
    with pytest.raises(ValueError, match="minimum of 2"):
        emb.score(X[:1])


def test_pipeline_gridsearch_and_pickle_roundtrip():
    X, y = _blobs(n=180)
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("embed", _small(max_epochs=2)),
            ("clf", LogisticRegression()),
        ]
    )
    grid = GridSearchCV(
        pipe, {"embed__temperature": [0.2, 0.5], "embed__n_components": [3, 4]}, cv=2
    ).fit(X, y)
    best = grid.best_estimator_
    loaded = pickle.loads(pickle.dumps(best))
    np.testing.assert_array_equal(best.predict_proba(X), loaded.predict_proba(X))
    # unsupervised selection by the embedder's own score
    search = GridSearchCV(_small(max_epochs=2), {"hidden_dims": [(8,), (16,)]}, cv=2).fit(X)
    assert np.isfinite(search.best_score_)


def test_joblib_roundtrip(tmp_path):
    import joblib

    X, _ = _blobs()
    emb = _small().fit(X)
    joblib.dump(emb, tmp_path / "emb.joblib")
    np.testing.assert_array_equal(
        joblib.load(tmp_path / "emb.joblib").transform(X), emb.transform(X)
    )


def test_pickle_carries_the_version_and_warns_on_mismatch():
    X, _ = _blobs()
    emb = _small().fit(X)
    state = emb.__getstate__()
    assert state["_skcontrast_version"]
    state["_skcontrast_version"] = "0.0.0-other"
    fresh = ContrastiveEmbedder.__new__(ContrastiveEmbedder)
    with pytest.warns(InconsistentVersionWarning, match="0.0.0-other"):
        fresh.__setstate__(state)


def test_clone_is_unfitted():
    X, _ = _blobs()
    emb = _small().fit(X)
    cloned = clone(emb)
    assert not hasattr(cloned, "net_") and not hasattr(cloned, "augmenter_")
    assert cloned.get_params()["augmenter"].std == 0.3


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_cuda_fit_transform_and_load_on_cpu_only_machine():
    X, y = _blobs()
    emb = _small(device="cuda").fit(X)
    Z = emb.transform(X)
    assert Z.dtype == np.float32 and emb.device_ == "cuda"
    blob = pickle.dumps(make_pipeline(emb, LogisticRegression()).fit(X, y) and emb)
    with patch("torch.cuda.is_available", lambda *_: False):
        with pytest.warns(Warning):
            loaded = pickle.loads(blob)
        assert loaded.device_ == "cpu"
        np.testing.assert_allclose(loaded.transform(X), Z, rtol=1e-4, atol=1e-5)


def test_cuda_fitted_pipeline_pickle_loads_on_a_cpu_only_machine():
    """A CUDA-fitted model, simulated here: the net's device says "cuda", as it does
    when the net was trained on a GPU. The pickle holds the net's plain state
    (weights and optimizer state as NumPy arrays, the device as a str), no torch
    storage, so nothing in it needs CUDA to load."""
    X, y = _blobs()
    pipe = make_pipeline(_small(), LogisticRegression()).fit(X, y)
    expected = pipe.predict_proba(X)
    pipe[0].net_.device = pipe[0].device_ = "cuda"
    blob = pickle.dumps(pipe)
    assert b"__cuda_dependent_attributes__" not in blob and b"torch" not in blob
    with (
        patch("torch.cuda.is_available", lambda *_: False),
        pytest.warns(Warning, match="CUDA"),
    ):
        loaded = pickle.loads(blob)
    assert loaded[0].device_ == "cpu" and str(loaded[0].net_.device) == "cpu"
    assert next(loaded[0].net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)
    loaded[0].partial_fit(X)  # the optimizer state came back on the CPU too
    assert loaded[0].n_iter_ == 2 * pipe[0].n_iter_


def _getstate_of_earlier_versions(self):
    """ContrastiveEmbedder.__getstate__ before 0.x plain states: the skorch net as it is."""
    from skcontrast import __version__

    return {**self.__dict__, "_skcontrast_version": __version__}


def test_cuda_fitted_pipeline_pickle_of_earlier_versions_loads_on_a_cpu_only_machine():
    """A CUDA-fitted model pickled by an earlier version, simulated here: the storages
    skorch keeps device-mapped (weights, optimizer state) are tagged "cuda:0" in the
    pickle, as they are when the net was trained on a GPU, and the net's device says
    "cuda"."""
    import skorch
    import torch.serialization as ser

    X, y = _blobs()
    pipe = make_pipeline(_small(), LogisticRegression()).fit(X, y)
    expected = pipe.predict_proba(X)
    pipe[0].net_.device = pipe[0].device_ = "cuda"
    plain_getstate = skorch.NeuralNet.__getstate__

    def getstate_on_cuda(net):
        with patch.object(ser, "location_tag", lambda storage: "cuda:0"):
            return plain_getstate(net)

    with (
        patch.object(skorch.NeuralNet, "__getstate__", getstate_on_cuda),
        patch.object(ContrastiveEmbedder, "__getstate__", _getstate_of_earlier_versions),
    ):
        blob = pickle.dumps(pipe)
    assert b"cuda:0" in blob
    with (
        patch("torch.cuda.is_available", lambda *_: False),
        pytest.warns(Warning, match="CUDA"),
    ):
        loaded = pickle.loads(blob)
    assert loaded[0].device_ == "cpu" and str(loaded[0].net_.device) == "cpu"
    assert next(loaded[0].net_.module_.parameters()).device.type == "cpu"
    np.testing.assert_allclose(loaded.predict_proba(X), expected, rtol=1e-6)
    loaded[0].partial_fit(X)  # the optimizer state came back on the CPU too
    assert loaded[0].n_iter_ == 2 * pipe[0].n_iter_
    assert pickle.loads(pickle.dumps(loaded[0])).n_iter_ == loaded[0].n_iter_  # saved anew


def test_columns_by_name_inside_the_embedder():
    from skcontrast.augment import ConditionJitter

    X, _ = _blobs()
    df = pd.DataFrame(X, columns=[f"c{i}" for i in range(X.shape[1])])
    emb = _small(augmenter=ConditionJitter(std=0.3, columns=["c1", "c4"])).fit(df)
    assert emb.augmenter_.columns_.tolist() == [1, 4]


def test_pipeline_steps_are_fitted_on_the_data_not_on_a_view():
    from skcontrast.augment import ConditionJitter

    X = np.linspace(0, 1, 64)[:, None] * np.ones((1, 3))
    aug = make_pipeline(ConditionJitter(std=0.5), ConditionJitter(std=0.0, bounds="fit"))
    emb = _small(augmenter=aug).fit(X)
    np.testing.assert_allclose(emb.augmenter_.steps[1][1].bounds_, [[0.0, 1.0]] * 3)


def test_augmenter_seeds_come_from_random_state():
    from skcontrast.augment import ConditionJitter, make_views

    X, _ = _blobs()
    views = [
        make_views(_small(augmenter=ConditionJitter(std=0.2), random_state=7).fit(X).augmenter_, X)
        for _ in range(2)
    ]
    np.testing.assert_array_equal(views[0][0], views[1][0])


def test_partial_fit_checks_the_validation_split():
    X, _ = _blobs(n=40)
    emb = _small(validation_fraction=0.25).fit(X)
    with pytest.raises(ValueError, match="validation_fraction"):
        emb.partial_fit(X[:5])


def test_nan_error_names_row_and_column():
    X, _ = _blobs()
    X[7, 2] = np.nan
    with pytest.raises(ValueError, match=r"column 2.*7"):
        _small().fit(X)
    Xs = sp.csr_matrix(np.nan_to_num(X))
    Xs[3, 1] = np.inf
    with pytest.raises(ValueError, match=r"infinity .* in column 1 at row\(s\) \[3\]"):
        _small().fit(Xs)


def test_nested_augmenter_pipelines_train_like_flat_ones():
    from sklearn.compose import make_column_transformer

    from skcontrast.augment import ConditionJitter

    X, _ = _blobs()
    flat = make_pipeline(ConditionJitter(std=0.3), ConditionJitter(mask_prob=0.2, std=0.0))
    nested = make_pipeline(
        make_pipeline(ConditionJitter(std=0.3)), ConditionJitter(mask_prob=0.2, std=0.0)
    )
    np.testing.assert_array_equal(
        _small(augmenter=nested).fit(X).transform(X), _small(augmenter=flat).fit(X).transform(X)
    )
    hidden = make_column_transformer((ConditionJitter(std=0.3), [0, 1]), remainder="passthrough")
    with pytest.raises(ValueError, match="holds ConditionJitter"):
        _small(augmenter=hidden).fit(X)


# ------------------------------------------------------------------ loss= as a class or an instance
class _LabelledLoss(ContrastiveLoss):
    """A loss of one's own that needs labels: NT-Xent that records the labels it gets."""

    requires_labels = True
    seen: list = []

    def __init__(self, temperature=0.2):
        super().__init__()
        self.temperature = temperature

    def forward_views(self, z1, z2, labels=None):
        if labels is None:
            raise ValueError("no labels")
        type(self).seen.append(labels.clone())
        return nt_xent(z1, z2, self.temperature)


def test_loss_class_and_instance_train_as_the_registered_name():
    X, _ = _blobs(n=64)
    by_name = _small(max_epochs=2, temperature=0.5).fit(X)
    by_class = _small(max_epochs=2, temperature=0.5, loss=NTXentLoss).fit(X)
    mine = NTXentLoss(temperature=0.5)
    by_instance = _small(max_epochs=2, temperature=9.0, loss=mine).fit(X)  # keeps its own
    for emb in (by_class, by_instance):
        np.testing.assert_array_equal(emb.transform(X), by_name.transform(X))
        assert emb.net_.criterion_.temperature == 0.5
    assert by_instance.net_.criterion_ is not mine and by_instance.loss is mine
    by_class.set_params(temperature=0.7).partial_fit(X)  # a class follows temperature
    assert by_class.net_.criterion_.temperature == 0.7
    by_instance.set_params(temperature=0.7).partial_fit(X)  # an instance does not
    assert by_instance.net_.criterion_.temperature == 0.5


def test_a_loss_instance_is_fixed_at_fit_by_identity():
    X, _ = _blobs(n=40)
    mine = NTXentLoss(temperature=0.5)
    emb = _small(max_epochs=1, loss=mine).fit(X)
    emb.set_params(loss=NTXentLoss(temperature=0.5))
    with pytest.raises(ValueError, match=r"loss from <NTXentLoss instance> to .*another object"):
        emb.partial_fit(X)
    assert emb.set_params(loss=mine).partial_fit(X).n_iter_ == 2


def test_a_loss_that_requires_labels_gets_the_codes_of_y():
    X, y = _blobs(n=40)
    with pytest.raises(ValueError, match=r"loss=_LabelledLoss needs class labels"):
        _small(loss=_LabelledLoss).fit(X)
    _LabelledLoss.seen.clear()
    emb = _small(loss=_LabelledLoss, max_epochs=1, batch_size=40).fit(
        X, np.array(["a", "b", "c"])[y]
    )
    np.testing.assert_array_equal(_LabelledLoss.seen[0].sort().values.numpy(), np.sort(y))
    assert np.isfinite(emb.score(X, y))


def test_a_loss_that_is_not_a_contrastive_loss_is_refused():
    X, _ = _blobs(n=40)
    with pytest.raises(InvalidParameterError, match="'loss' parameter"):
        _small(loss=torch.nn.MSELoss()).fit(X)
    emb = _small(max_epochs=1).fit(X)
    with pytest.raises(TypeError, match="abstract"):  # check_loss's message, at fit
        emb.set_params(loss=ContrastiveLoss).fit(X)
    with pytest.raises(NotFittedError):  # a failed fit leaves no model behind
        emb.transform(X)
