"""ContrastiveEmbedder: a scikit-learn transformer that pretrains an encoder contrastively."""

from __future__ import annotations

import collections
import contextlib
import copy
import math
import numbers

import numpy as np
import pandas as pd
import scipy.sparse as sp
import torch
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.multiclass import type_of_target
from skorch.callbacks import ProgressBar

from skcontrast.augment import ConditionJitter
from skcontrast.augment._views import _flatten
from skcontrast.embed._diagnostics import chance_advice, input_kind
from skcontrast.embed._modules import MLPEncoder, ProjectionHead
from skcontrast.embed._net import ContrastiveNet, EarlyStoppingWithHead
from skcontrast.losses import InfoNCELoss, NTXentLoss, SupConLoss
from skcontrast.utils._docstrings import (
    Substitution,
    _device_docstring,
    _random_state_docstring,
)
from skcontrast.utils._labels import label_codes
from skcontrast.utils._random import check_generator, draw_seed
from skcontrast.utils._sklearn import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from skcontrast.utils._validation import validate_float
from skcontrast.utils._versioning import VersionedPickleMixin
from skcontrast.utils._warnings import warn_user

_LOSSES = {"nt_xent": NTXentLoss, "info_nce": InfoNCELoss, "supcon": SupConLoss}
_SCORE_SEED = 0
_DEFAULT_PATIENCE = 5
#: fit and partial_fit warn when the final training loss is above this fraction
#: of its chance value
_CHANCE_FRACTION = 0.97
_STATEFUL = ("module_", "head_", "optimizer_")  # restored when a partial_fit fails
#: The parameters that define the fitted model: partial_fit refuses changes to them.
_FIXED_AT_FIT = (
    "encoder",
    "encoder_kwargs",
    "hidden_dims",
    "n_components",
    "projection_dim",
    "augmenter",
    "loss",
    "early_stopping",
    "callbacks",
    "device",
    "random_state",
)


@Substitution(random_state=_random_state_docstring, device=_device_docstring)
class ContrastiveEmbedder(
    VersionedPickleMixin, ClassNamePrefixFeaturesOutMixin, TransformerMixin, BaseEstimator
):
    """Pretrain an encoder with a contrastive loss; transform X into its embedding.

    ``fit(X)`` trains ``encoder -> projection head`` so that two random views of
    the same row (made by ``augmenter`` on the training device) land close and
    views of different rows land far apart (NT-Xent, InfoNCE or SupCon).
    ``transform(X)`` returns the encoder output (before the head), computed in
    batches in eval mode without gradients, as float32.

    Parameters
    ----------
    encoder : None, torch.nn.Module subclass or instance, default=None
        The encoder slot. None builds an :class:`MLPEncoder` from ``hidden_dims``;
        a Module subclass is called as ``encoder(n_features_in, n_components,
        **encoder_kwargs)``; a Module instance is deep-copied at fit (the
        parameter is never mutated) and its output width becomes the embedding size.
    encoder_kwargs : dict or None, default=None
        Extra keyword arguments for the encoder class (or for :class:`MLPEncoder`).
    hidden_dims : tuple of int, default=(256,)
        Hidden widths of the default MLP encoder; ``()`` gives a linear encoder.
    n_components : int, default=64
        Embedding size (the encoder's output width).
    projection_dim : int or None, default=64
        Output size of the projection head (Linear-ReLU-Linear) used by the loss
        only. None trains without a head.
    augmenter : None, fitted-able transformer or Pipeline, default=None
        Makes the views. None means ``ConditionJitter(std=0.1)``. A skcontrast
        augmenter (or a Pipeline of them) runs on the training device through
        ``augment_tensor``; any other scikit-learn transformer runs through its
        ``transform`` on the CPU. It is cloned and fitted on the training X.
    loss : {"nt_xent", "info_nce", "supcon"}, default="nt_xent"
        Symmetric SimCLR loss, one-directional InfoNCE, or supervised
        contrastive loss (uses y as extra positives; y is then required).
    temperature : float, default=0.2
        Softmax temperature of the loss (> 0).
    batch_size : int, default=256
        Rows per training batch (each gives ``2 * batch_size`` views). A final
        batch of one row is dropped.
    max_epochs : int, default=50
        Epochs per ``fit`` (and per ``partial_fit`` call).
    lr : float, default=1e-3
        Adam learning rate.
    weight_decay : float, default=1e-5
        Adam weight decay.
    validation_fraction : float in [0, 1), default=0.0
        Fraction of rows held out to record ``valid_loss`` each epoch.
    early_stopping : bool or int, default=False
        Stop when the monitored loss (``valid_loss`` with a validation split,
        else ``train_loss``) has not improved for 5 epochs (or the given number),
        and restore the encoder's best weights.
    %(device)s
    callbacks : list of skorch callbacks or None, default=None
        Extra callbacks (deep-copied at fit), as ``(name, callback)`` pairs or instances.
    %(random_state)s
        Seeds torch (weights, dropout, shuffling), the views and the validation
        split: the same seed on the same device gives the same embedding.
    verbose : int, default=0
        1 prints a per-epoch table and a progress bar.

    Attributes
    ----------
    net_ : ContrastiveNet
        The trained skorch net (encoder in ``net_.module_``, head in ``net_.head_``).
    history_ : skorch.History
        Per-epoch ``train_loss`` (``valid_loss``), durations and batch records.
    n_iter_ : int
        Number of epochs trained.
    augmenter_ : transformer
        The fitted augmenter.
    device_ : str
        The device the encoder lives on.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X had string column names.

    See Also
    --------
    skcontrast.losses.nt_xent : The default loss.
    skcontrast.neighbors.CosineRetriever : Nearest neighbours in the embedding.

    Examples
    --------
    >>> import numpy as np
    >>> from skcontrast.embed import ContrastiveEmbedder
    >>> X = np.random.default_rng(0).normal(size=(64, 4))
    >>> emb = ContrastiveEmbedder(n_components=3, hidden_dims=(16,), max_epochs=30,
    ...                           lr=1e-2, device="cpu", random_state=0).fit(X)
    >>> emb.transform(X).shape
    (64, 3)
    >>> emb.n_iter_
    30
    """

    _parameter_constraints: dict = {
        "encoder": [None, HasMethods(["forward"])],
        "encoder_kwargs": [None, dict],
        "hidden_dims": [tuple, list],
        "n_components": [Interval(numbers.Integral, 1, None, closed="left")],
        "projection_dim": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "augmenter": [None, HasMethods(["fit", "transform"])],
        "loss": [StrOptions(set(_LOSSES))],
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 2, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "early_stopping": ["boolean", Interval(numbers.Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "callbacks": [None, list],
        "random_state": ["random_state", np.random.Generator],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        encoder=None,
        *,
        encoder_kwargs=None,
        hidden_dims=(256,),
        n_components=64,
        projection_dim=64,
        augmenter=None,
        loss="nt_xent",
        temperature=0.2,
        batch_size=256,
        max_epochs=50,
        lr=1e-3,
        weight_decay=1e-5,
        validation_fraction=0.0,
        early_stopping=False,
        device="auto",
        callbacks=None,
        random_state=None,
        verbose=0,
    ):
        self.encoder = encoder
        self.encoder_kwargs = encoder_kwargs
        self.hidden_dims = hidden_dims
        self.n_components = n_components
        self.projection_dim = projection_dim
        self.augmenter = augmenter
        self.loss = loss
        self.temperature = temperature
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.early_stopping = early_stopping
        self.device = device
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None):
        """Train the encoder on X (y is used only by ``loss="supcon"``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Float features (float64 and DataFrames are cast to float32). CSR is
            densified one batch at a time for training and ``transform``, and
            skcontrast's augmenters are fitted on it as it is (a foreign
            transformer in the augmenter that does not accept sparse input is
            fitted on a dense copy). At least 2 rows.
        y : array-like of shape (n_samples,), default=None
            Class labels, required for ``loss="supcon"``, ignored otherwise. For
            SupCon, y must be a classification target (``type_of_target`` says
            "binary" or "multiclass": bin a continuous y first) with at least
            two classes.

        Returns
        -------
        self

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            When a parameter is of the wrong type or out of range
            (``batch_size=1``, ``lr=-1.0``...).
        ValueError
            - For NaN or infinity in X, and for finite values beyond float32's
              range (magnitude above about 3.4e38, which float32 would turn
              into infinity): the message names the column (and its name when
              X has column names), the first rows and their values. Also at
              ``partial_fit``, ``transform`` and ``score``.
            - For ``loss="supcon"``: when y is missing, holds missing labels
              (None, NaN; named by row) or labels of mixed types, is not 1-D
              with one label per row, is not a classification target (a
              continuous y: bin it first), or holds a single class.
            - When ``validation_fraction`` leaves fewer than 2 rows on either
              side, ``hidden_dims`` holds a non-positive width,
              ``encoder_kwargs`` come with an encoder instance, the encoder
              does not map ``(batch, n_features)`` to ``(batch, width)``, or
              ``device`` asks for CUDA on a machine without it.
        FloatingPointError
            When the training or validation loss becomes NaN or infinite (the
            message names the epoch and batch); no model is left behind.
        """
        try:
            X = self._validate_X(X, reset=True)
            self._fitted_params = self._fixed_params()
            y_codes = self._encode_y(X, y, self.loss, training=True)
            self._check_params_against_data(X)
            self._input_kind = input_kind(X)  # for the advice of the chance-level warning
            self._seed = draw_seed(check_generator(self.random_state))
            self.device_ = _resolve_device(self.device)
            self._train_new_net(X, y_codes)
        except Exception:
            # a failed fit (bad input, a NaN loss) leaves no model behind: neither a
            # half-trained one nor the previous fit's, whose input width may differ
            for name in (
                "net_",
                "augmenter_",
                "history_",
                "n_iter_",
                "_n_features_out",
                "_fitted_params",
            ):
                self.__dict__.pop(name, None)
            raise
        self._after_training()
        return self

    def _train_new_net(self, X, y_codes) -> None:
        self.augmenter_ = self._fit_augmenter(X)
        with self._seeded(self._seed):
            encoder = self._build_encoder(X.shape[1])
            width = _output_width(encoder, X.shape[1])
            head = None
            if self.projection_dim is not None:
                head = ProjectionHead(width, self.projection_dim)
            self.net_ = ContrastiveNet(
                module=encoder,
                criterion=_LOSSES[self.loss],
                criterion__temperature=float(self.temperature),
                head=head,
                augmenter=self.augmenter_,
                view_seed=self._seed % (2**62),
                valid_fraction=float(self.validation_fraction),
                supervised=self.loss == "supcon",
                optimizer=torch.optim.Adam,
                lr=float(self.lr),
                optimizer__weight_decay=float(self.weight_decay),
                max_epochs=int(self.max_epochs),
                batch_size=int(self.batch_size),
                train_split=None,
                callbacks=self._build_callbacks(),
                device=self.device_,
                verbose=int(self.verbose),
            )
            self.net_.initialize()
            self._n_features_out = width
            self.net_.partial_fit(X, y_codes)

    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y=None):
        """Continue training for ``max_epochs`` more epochs (fit first if unfitted).

        ``max_epochs``, ``batch_size``, ``lr``, ``weight_decay``, ``temperature``
        and ``validation_fraction`` follow ``set_params`` made since the last
        call (the optimizer keeps its state). The parameters that define the
        model cannot change: ``encoder``, ``encoder_kwargs``, ``hidden_dims``
        (with the default encoder), ``n_components`` (unless the encoder is a
        Module instance, which fixes the width itself), ``projection_dim``,
        ``augmenter``, ``loss``, ``early_stopping``, ``callbacks``, ``device``
        and ``random_state``. A change to any of them since ``fit`` is a
        ``ValueError`` naming it (call ``fit`` to train a new model). Values
        are compared by value (numbers, strings, tuples, dicts; ``device``
        also by the device it resolves to), objects (an encoder or augmenter
        instance, each callback, a random generator) by identity: an equal
        copy counts as a change, while a nested ``set_params`` that changes an
        object in place (``augmenter__std=0.5``) is not detected, and has no
        effect on the model (``fit`` trained a clone of the augmenter).

        The parameters are validated as at ``fit`` before anything reaches the
        model, and the loss is the one the model was fitted with. If training
        fails (a NaN loss), the model is restored to its state before the call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Used only when the model was fitted with ``loss="supcon"``: class
            labels with at least two classes.

        Returns
        -------
        self

        Raises
        ------
        sklearn.utils._param_validation.InvalidParameterError
            When a parameter set since the last call is invalid (``lr=-1.0``,
            ``max_epochs=0``...); the model is left as it was.
        ValueError
            - When a parameter that defines the model changed since ``fit``
              (``set_params(n_components=7)``, ``loss="info_nce"``...): the
              message names each, with its fitted and new value; the model is
              left as it was.
            - For NaN, infinity or values beyond float32's range in X (named
              by column, rows and values), or X with another number of
              features than at ``fit``.
            - For a model fitted with ``loss="supcon"``: when y is missing,
              holds missing labels or labels of mixed types, is not a
              classification target, or holds a single class.
            - When ``validation_fraction`` leaves fewer than 2 rows on either
              side, or is 0 while early stopping set up at ``fit`` watches the
              validation loss.
        FloatingPointError
            When the loss becomes NaN or infinite; the model, its history and
            its random streams are restored to their state before the call.
        """
        if not hasattr(self, "net_"):
            return self.fit(X, y)
        # _fit_context validates the parameters only when fitting from scratch:
        # check them here too, before anything (set_params' lr=-1.0, max_epochs=0)
        # reaches the fitted net
        self._check_params_valid()
        self._check_fixed_params()
        X = self._validate_X(X, reset=False)
        y_codes = self._encode_y(X, y, self._fitted_loss(), training=True)
        self._check_params_against_data(X)
        self._sync_training_params()
        net = self.net_
        n_epochs = len(net.history)
        saved = {  # on the host: no second copy of the model in GPU memory
            name: _on_cpu(getattr(net, name).state_dict())
            for name in _STATEFUL
            if getattr(net, name, None) is not None
        }
        streams = {key: gen.get_state() for key, gen in net.__dict__.get("_generators", {}).items()}
        try:
            with self._seeded(self._seed + self.n_iter_):
                net.partial_fit(X, y_codes)
        except Exception:
            for name, state in saved.items():
                getattr(net, name).load_state_dict(state)
            del net.history[n_epochs:]
            generators = net.__dict__.get("_generators", {})
            for key in list(generators):  # the random streams go back too
                if key in streams:
                    generators[key].set_state(streams[key])
                else:
                    del generators[key]
            net._set_training(False)  # at rest, as after a successful call
            raise
        self._after_training()
        return self

    def _fixed_params(self) -> dict:
        """The values of the parameters that define the model, as partial_fit compares them.

        Containers are copied (an in-place change of the list or dict given is a
        change); objects are kept as they are (compared by identity).
        """
        record = {}
        for name in _FIXED_AT_FIT:
            value = getattr(self, name)
            if isinstance(value, (list, dict)):
                value = copy.copy(value)
            record[name] = value
        return record

    def _check_fixed_params(self) -> None:
        """Refuse set_params changes, since fit, to the parameters that define the model."""
        fitted = self.__dict__.get("_fitted_params")
        if fitted is None:  # a model pickled by an older version: nothing recorded
            return
        encoder = fitted["encoder"]
        ignored = set()  # parameters the fitted encoder did not use
        if encoder is not None or "hidden_dims" in (fitted["encoder_kwargs"] or {}):
            ignored.add("hidden_dims")
        if isinstance(encoder, torch.nn.Module):
            ignored.update(("n_components", "encoder_kwargs"))
        changes = []
        for name in _FIXED_AT_FIT:
            old, new = fitted[name], getattr(self, name)
            if name in ignored or _same_param(name, old, new):
                continue
            if name == "device" and _same_device(new, self.device_):
                continue
            old_text, new_text = _describe(old), _describe(new)
            if old_text == new_text:
                new_text += " (another object)"
            changes.append(f"{name} from {old_text} to {new_text}")
        if changes:
            raise ValueError(
                "partial_fit continues training the model fitted by fit, but set_params "
                f"changed {'; '.join(changes)}. These parameters define the model and "
                "cannot change in partial_fit: set them back to continue training, or "
                "call fit to train a new model."
            )

    def _fitted_loss(self) -> str:
        """The loss the fitted model trains with (set_params cannot change it)."""
        fitted = self.__dict__.get("_fitted_params")
        if fitted is not None:
            return fitted["loss"]
        criterion = getattr(self.net_, "criterion", None)
        for name, cls in _LOSSES.items():
            if criterion is cls:
                return name
        return self.loss

    def _sync_training_params(self) -> None:
        """Carry set_params changes of the training knobs to the fitted net.

        lr and weight_decay reach the optimizer only when they changed, so a
        learning-rate scheduler's progress survives ``partial_fit`` calls.
        """
        net = self.net_
        monitor = getattr(dict(net.callbacks_).get("early_stopping"), "monitor", None)
        if monitor == "valid_loss" and not self.validation_fraction:
            raise ValueError(
                "validation_fraction=0 but early stopping was set up at fit to watch the "
                "validation loss; keep a validation fraction for partial_fit, or refit."
            )
        for name, key, value in (
            ("lr", "lr", float(self.lr)),
            ("optimizer__weight_decay", "weight_decay", float(self.weight_decay)),
        ):
            if float(getattr(net, name)) != value:
                for group in net.optimizer_.param_groups:
                    group[key] = value
                net.__dict__[name] = value
        net.__dict__.update(
            criterion__temperature=float(self.temperature),
            max_epochs=int(self.max_epochs),
            batch_size=int(self.batch_size),
            valid_fraction=float(self.validation_fraction),
        )
        net.criterion_.temperature = float(self.temperature)

    def _validate_X(self, X, reset: bool, ensure_min_samples: int = 2):
        """X as float32 (ndarray or CSR), through the one float-input check.

        NaN and infinity, and finite values beyond float32's range (which the
        cast would turn into infinity), are a ``ValueError`` naming the column
        (and its name), the first rows and their values.
        """
        return validate_float(
            self, X, reset=reset, float32=True, ensure_min_samples=ensure_min_samples
        )

    def _encode_y(self, X, y, loss: str, *, training: bool):
        """Integer class codes of y for ``loss="supcon"`` (None for the other losses).

        ``loss`` is the parameter at ``fit``, the fitted model's loss after it.
        y must be a classification target ("binary" or "multiclass" for
        ``type_of_target``). Training (fit, partial_fit) needs at least two
        classes; ``score`` accepts a single one (a cross-validation fold).
        """
        if loss != "supcon":
            return None
        if y is None:
            raise ValueError('loss="supcon" needs class labels: call fit(X, y).')
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.shape[0]:
            raise ValueError(
                f"y must be 1-D with one label per row of X: got shape {y.shape} for "
                f"{X.shape[0]} rows."
            )
        # SupCon compares labels within a batch only, so codes are made afresh on
        # each call: score and partial_fit accept classes that fit never saw
        codes = label_codes(y)  # missing and mixed-type labels first, named by row
        kind = _target_type(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f'loss="supcon" needs class labels in y, but y is {kind!r} '
                f"(sklearn.utils.multiclass.type_of_target(y) == {kind!r}); as classes, "
                f"its {np.unique(codes).size} distinct values would make nearly every "
                "row a class of its own. Bin y into classes first (e.g. np.digitize or "
                'KBinsDiscretizer), or use loss="nt_xent", which ignores y.'
            )
        if training and not codes.any():  # codes start at 0: all zero is one class
            raise ValueError(
                f"y has a single class ({_plain(y[0])!r}) in its {y.shape[0]} rows: "
                'loss="supcon" needs at least two classes to train (with one, every '
                "row is a positive of every other and the embedding collapses). Give "
                'labels of several classes, or use loss="nt_xent", which ignores y.'
            )
        return codes

    def _check_params_against_data(self, X) -> None:
        if any(not isinstance(h, numbers.Integral) or h < 1 for h in self.hidden_dims):
            raise ValueError(
                f"hidden_dims must hold positive ints, got {tuple(self.hidden_dims)!r}."
            )
        if self.encoder_kwargs and isinstance(self.encoder, torch.nn.Module):
            raise ValueError(
                "encoder_kwargs only apply when encoder is None or a Module class; "
                "got a Module instance with encoder_kwargs."
            )
        if self.validation_fraction:
            n_valid = round(self.validation_fraction * X.shape[0])
            if n_valid < 2 or X.shape[0] - n_valid < 2:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} leaves {n_valid} "
                    f"validation and {X.shape[0] - n_valid} training rows out of "
                    f"{X.shape[0]}; each part needs at least 2."
                )

    def _fit_augmenter(self, X):
        augmenter = ConditionJitter(std=0.1) if self.augmenter is None else clone(self.augmenter)
        steps = _flatten(augmenter)  # nested Pipelines unrolled; passthrough dropped
        # random_state=None steps get seeds from ours, so make_views(augmenter_, X)
        # replays too (the training views come from the net's torch generator)
        rng = np.random.default_rng(self._seed)
        for step in steps:
            params = step.get_params(deep=False) if hasattr(step, "get_params") else {}
            if "random_state" in params and params["random_state"] is None:
                step.set_params(random_state=int(rng.integers(2**31 - 1)))
        X_fit = X
        if sp.issparse(X) and not all(
            get_tags(step).input_tags.sparse for step in steps if hasattr(step, "fit")
        ):
            X_fit = X.toarray()
        if not sp.issparse(X_fit) and hasattr(self, "feature_names_in_"):
            # so that columns= can name DataFrame columns
            X_fit = pd.DataFrame(X_fit, columns=self.feature_names_in_)
        # Each step is fitted on what the previous step's transform gives (the
        # identity for augmenters), not on a random view as Pipeline.fit would do:
        # bounds="fit" and the imputation means must come from the real data.
        for i, step in enumerate(steps):
            step.fit(X_fit)
            if i + 1 < len(steps):
                out = step.transform(X_fit)
                if isinstance(X_fit, pd.DataFrame) and not isinstance(out, pd.DataFrame):
                    out = pd.DataFrame(out, columns=X_fit.columns, index=X_fit.index)
                X_fit = out
        return augmenter

    def _build_encoder(self, n_features: int) -> torch.nn.Module:
        kwargs = dict(self.encoder_kwargs or {})
        if self.encoder is None:
            kwargs.setdefault("hidden_dims", tuple(self.hidden_dims))
            return MLPEncoder(n_features, self.n_components, **kwargs)
        if isinstance(self.encoder, torch.nn.Module):
            return copy.deepcopy(self.encoder)
        if isinstance(self.encoder, type) and issubclass(self.encoder, torch.nn.Module):
            return self.encoder(n_features, self.n_components, **kwargs)
        raise TypeError(
            "encoder must be None, a torch.nn.Module subclass or a Module instance, "
            f"got {self.encoder!r}."
        )

    def _build_callbacks(self) -> list:
        callbacks = copy.deepcopy(list(self.callbacks or []))
        early_stopping = self.early_stopping
        if isinstance(early_stopping, (bool, np.bool_)):  # np.False_ is "off" too
            early_stopping = _DEFAULT_PATIENCE if early_stopping else False
        if early_stopping is not False:
            patience = early_stopping
            monitor = "valid_loss" if self.validation_fraction else "train_loss"
            callbacks.append(
                (
                    "early_stopping",
                    EarlyStoppingWithHead(
                        monitor=monitor,
                        patience=int(patience),
                        load_best=True,
                        sink=_sink(self.verbose),
                    ),
                )
            )
        if self.verbose:
            callbacks.append(("progress_bar", ProgressBar()))
        return callbacks

    @contextlib.contextmanager
    def _seeded(self, seed: int):
        """Seed torch's global generators for weights and dropout, restoring them after."""
        devices = []
        if self.device_.startswith("cuda"):
            devices = [torch.device(self.device_).index or 0]
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed % (2**63))
            yield

    def _after_training(self) -> None:
        # at rest in eval mode, as transform and score leave it: they change
        # nothing, so a pickle taken before or after them is the same bytes
        self.net_._set_training(False)
        self.history_ = self.net_.history
        self.n_iter_ = len(self.net_.history)
        loss = self._fitted_loss()
        if loss == "supcon":
            return
        last = self.history_[-1, "train_loss"]
        sizes = [
            int(batch["train_batch_size"])
            for batch in self.history_[-1, "batches"]
            if "train_batch_size" in batch
        ]
        chance, how = _chance_level(sizes, loss)
        if chance > 0 and last > _CHANCE_FRACTION * chance:
            advice = chance_advice(getattr(self, "_input_kind", "other"), self.augmenter_)
            warn_user(
                f"the final training loss is at or near its chance value: {last:.4f} vs "
                f"chance {chance:.4f} ({how}). The encoder has not learned to tell rows "
                f"apart, and the embedding is likely useless. {advice}"
            )

    # ------------------------------------------------------------------ inference
    def transform(self, X):
        """Embed X with the trained encoder (no augmentation, no head).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        Z : ndarray of shape (n_samples, n_components), float32

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        sklearn.utils._param_validation.InvalidParameterError
            When a parameter set since ``fit`` is invalid (``batch_size=0``).
        ValueError
            For NaN, infinity or values beyond float32's range in X (named by
            column, rows and values), or X with another number of features
            than at ``fit``.
        """
        check_is_fitted(self)
        self._check_params_valid()
        X = self._validate_X(X, reset=False, ensure_min_samples=1)
        return self.net_.embed(X, batch_size=max(int(self.batch_size), 1024))

    def score(self, X, y=None) -> float:
        """Minus the contrastive loss on X, with views drawn from a fixed seed.

        Higher is better, so :class:`~sklearn.model_selection.GridSearchCV` can
        select an embedder without labels. The value is on the scale of the
        loss at the model's training temperature (the ``temperature`` at
        ``fit``, or at the last ``partial_fit``: a ``set_params(temperature=...)``
        since then does not change it), the current ``batch_size`` and the
        fitted augmenter's views: compare it between models that share them
        (``n_components``, ``hidden_dims``, ``lr``...). A lower temperature, a
        smaller batch or a weaker augmenter always scores higher, so choose
        those with labels. The loss is the one the model was fitted with.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            At least 2 rows.
        y : array-like, default=None
            Labels, used only by ``loss="supcon"``. A single class is accepted
            here (a cross-validation fold may hold one): every other view is
            then a positive, so the score measures how close the views of one
            class are and nothing about separating classes. To compare models
            on separation, score on folds that hold several classes
            (``GridSearchCV(cv=StratifiedKFold(...))``).

        Returns
        -------
        float

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        sklearn.utils._param_validation.InvalidParameterError
            When a parameter set since ``fit`` is invalid (``batch_size=0``
            would otherwise be evaluated in batches of 2).
        ValueError
            For NaN, infinity or values beyond float32's range in X (named by
            column, rows and values), X with another number of features than at
            ``fit`` or fewer than 2 rows; for a model fitted with
            ``loss="supcon"``, when y is missing, holds missing labels or labels
            of mixed types, or is not a classification target.
        """
        check_is_fitted(self)
        self._check_params_valid()
        X = self._validate_X(X, reset=False)
        y_codes = self._encode_y(X, y, self._fitted_loss(), training=False)
        return -self.net_.evaluate_loss(X, y_codes, seed=_SCORE_SEED, batch_size=self.batch_size)

    def _check_params_valid(self) -> None:
        """The parameters' constraints, as at fit (unless scikit-learn skips them)."""
        if not get_config()["skip_parameter_validation"]:
            self._validate_params()

    def __setstate__(self, state):
        super().__setstate__(state)
        net = self.__dict__.get("net_")
        if net is not None:
            self.device_ = str(net.device)

    def __sklearn_is_fitted__(self) -> bool:
        return "net_" in self.__dict__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.target_tags.required = False
        return tags


def _chance_level(sizes: list[int], loss: str) -> tuple[float, str]:
    """The chance value of an epoch's train_loss, and how it was computed.

    skorch's ``train_loss`` is the mean of the batch losses weighted by batch
    size; at chance a batch of b rows scores ``log(2b - 1)`` (NT-Xent: one
    positive among 2b - 1 candidates) or ``log(b)`` (InfoNCE), so the chance
    value is the same weighted mean of those.
    """
    formula = "log(2b - 1)" if loss == "nt_xent" else "log(b)"
    if not sizes:
        return 0.0, formula
    logits = [2 * b - 1 if loss == "nt_xent" else b for b in sizes]
    chance = float(np.average([math.log(k) for k in logits], weights=sizes))
    counts = sorted(collections.Counter(sizes).items(), reverse=True)
    if len(counts) == 1:
        return chance, f"{formula} = log({logits[0]}) for batches of b = {sizes[0]} rows"
    parts = " and ".join(", ".join(f"{n} x {b}" for b, n in counts).rsplit(", ", 1))
    return chance, (
        f"{formula} for a batch of b rows, averaged over the last epoch's batches, "
        f"{parts} rows, weighted by b as train_loss is"
    )


def _same_param(name: str, old, new) -> bool:
    """Whether a parameter that defines the model still has its fitted value."""
    if old is new:
        return True
    if name in ("encoder", "augmenter"):
        return False  # objects: by identity
    if name == "callbacks":
        old, new = list(old or []), list(new or [])
        return len(old) == len(new) and all(map(_same_callback, old, new))
    generators = (np.random.RandomState, np.random.Generator)
    if isinstance(old, generators) or isinstance(new, generators):
        return False  # random generators: by identity
    if name == "encoder_kwargs":
        old, new = dict(old or {}), dict(new or {})
    elif name == "hidden_dims":
        old, new = _as_tuple(old), _as_tuple(new)
    elif name == "early_stopping":
        old, new = _patience(old), _patience(new)
    elif name == "device":
        old, new = str(old), str(new)
    return _equal(old, new)


def _same_callback(old, new) -> bool:
    if isinstance(old, tuple) and isinstance(new, tuple) and len(old) == len(new) == 2:
        return _equal(old[0], new[0]) and old[1] is new[1]
    return old is new


def _same_device(new, device_: str) -> bool:
    """Whether a new ``device`` resolves to the device the model lives on."""
    try:
        return _indexed(_resolve_device(new)) == _indexed(device_)
    except (ValueError, RuntimeError, AssertionError):  # AssertionError: torch without CUDA
        return False


def _indexed(device) -> torch.device:
    """``torch.device(device)``, with the current CUDA device's index for "cuda"."""
    device = torch.device(device)
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", torch.cuda.current_device())
    return device


def _as_tuple(value):
    try:
        return tuple(value)
    except TypeError:
        return value


def _patience(early_stopping):
    """``early_stopping`` as the patience it sets up (False when off)."""
    if isinstance(early_stopping, (bool, np.bool_)):
        return _DEFAULT_PATIENCE if early_stopping else False
    return early_stopping


def _equal(old, new) -> bool:
    """``old == new`` by value, containers item by item (lists and tuples alike).

    Items that cannot be compared as a bool (arrays) are equal only when they
    are the same object.
    """
    if old is new:
        return True
    if isinstance(old, dict) and isinstance(new, dict):
        return old.keys() == new.keys() and all(_equal(old[key], new[key]) for key in old)
    if isinstance(old, (list, tuple)) and isinstance(new, (list, tuple)):
        return len(old) == len(new) and all(map(_equal, old, new))
    if type(old) is not type(new) and (isinstance(old, bool) or isinstance(new, bool)):
        return False  # True == 1, but they are different settings
    try:
        return bool(old == new)
    except (TypeError, ValueError):
        return False


def _describe(value) -> str:
    """A one-line description of a parameter value, for messages."""
    if isinstance(value, torch.nn.Module):
        return f"<{type(value).__name__} instance>"
    if isinstance(value, type):
        return value.__name__
    text = " ".join(repr(value).split())
    return text if len(text) <= 80 else text[:77] + "..."


def _plain(value):
    """A NumPy scalar as the Python value it holds (for messages)."""
    return value.item() if isinstance(value, np.generic) else value


def _target_type(y: np.ndarray) -> str:
    """``type_of_target(y)``, also for an object array of numbers (which it calls "unknown")."""
    kind = type_of_target(y, input_name="y")
    if kind == "unknown" and y.dtype == object:
        with contextlib.suppress(TypeError, ValueError):
            kind = type_of_target(y.astype(np.float64), input_name="y")
    return kind


def _on_cpu(state):
    """A copy of a (nested) state dict with every tensor on the CPU.

    ``Module.load_state_dict`` and ``Optimizer.load_state_dict`` copy the values
    back to the parameters' device.
    """
    if isinstance(state, torch.Tensor):
        return state.detach().to("cpu", copy=True)
    if isinstance(state, dict):
        return {key: _on_cpu(value) for key, value in state.items()}
    if isinstance(state, (list, tuple)):
        return type(state)(_on_cpu(value) for value in state)
    return copy.deepcopy(state)


def _resolve_device(device) -> str:
    device = str(device)
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but CUDA is not available on this machine; use "
            'device="cpu" or "auto".'
        )
    try:
        torch.device(device)
    except RuntimeError as exc:
        raise ValueError(f"device={device!r} is not a torch device: {exc}") from None
    return device


def _output_width(encoder: torch.nn.Module, n_features: int) -> int:
    was_training = encoder.training
    device = next(iter(encoder.parameters()), torch.zeros(0)).device
    encoder.eval()
    try:
        with torch.no_grad():
            out = encoder(torch.zeros(2, n_features, device=device))
    except Exception as exc:
        raise ValueError(f"the encoder failed on a (2, {n_features}) float32 batch: {exc}") from exc
    finally:
        encoder.train(was_training)
    if not isinstance(out, torch.Tensor) or out.ndim != 2 or out.shape[0] != 2:
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        raise ValueError(
            f"the encoder must map (batch, {n_features}) to (batch, n_components); "
            f"it returned {shape}."
        )
    return int(out.shape[1])


def _silent(*args, **kwargs) -> None:
    """A picklable sink that prints nothing."""


def _sink(verbose):
    return print if verbose else _silent
