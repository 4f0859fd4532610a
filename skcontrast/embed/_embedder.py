"""ContrastiveEmbedder: a scikit-learn transformer that pretrains an encoder contrastively.

The facade: parameters and their validation, the one training path of ``fit``
and ``partial_fit`` (:meth:`ContrastiveEmbedder._fit`), ``transform`` and
``score``. The rest lives beside it: the net (``_net``), its batches
(``_batching``) and callbacks (``_callbacks``), the torch modules and the
encoder slot (``_modules``), the parameters fixed at fit (``_params``), y for
the loss (``_targets``), the chance-level warning (``_diagnostics``), saving and
loading as plain data (``_persist``), and view fitting
(:func:`skcontrast.augment._views.fit_views`).
"""

from __future__ import annotations

import contextlib
import numbers

import numpy as np
import torch
from sklearn import get_config
from sklearn.base import BaseEstimator, ClassNamePrefixFeaturesOutMixin, TransformerMixin

from skcontrast.augment import AutoAugmenter, ConditionJitter
from skcontrast.augment._views import fit_views

# _silent lived in this module: pickles of earlier versions name it here
from skcontrast.embed._callbacks import (  # noqa: F401  (_silent: pickles of earlier versions)
    _silent,
    early_stopping_monitor,
    make_callbacks,
)
from skcontrast.embed._diagnostics import (
    chance_advice,
    chance_level,
    input_kind,
    last_batch_sizes,
)
from skcontrast.embed._modules import ProjectionHead, build_encoder, output_width
from skcontrast.embed._net import ContrastiveNet, n_valid_rows
from skcontrast.embed._params import changed_fixed_params, fixed_params, resolve_device
from skcontrast.embed._persist import NET_STATE, make_net, rebuild_net
from skcontrast.embed._targets import (
    describe_loss,
    encode_groups,
    encode_labels,
    requires_labels,
)
from skcontrast.embed._warnings import SkippedBlockWarning
from skcontrast.losses import LOSSES, ContrastiveLoss
from skcontrast.utils._distributed import agree_start, is_lead_process
from skcontrast.utils._docstrings import (
    Substitution,
    _device_docstring,
    _random_state_docstring,
)
from skcontrast.utils._persistence import canonical_state
from skcontrast.utils._random import check_generator, draw_seed
from skcontrast.utils._sklearn import (
    HasMethods,
    Interval,
    StrOptions,
    _fit_context,
    check_is_fitted,
)
from skcontrast.utils._threads import torch_threads
from skcontrast.utils._validation import validate_float
from skcontrast.utils._versioning import VersionedPickleMixin
from skcontrast.utils._warnings import warn_user

_SCORE_SEED = 0
#: fit and partial_fit warn when the final training loss is above this fraction
#: of its chance value
_CHANCE_FRACTION = 0.97
#: What a failed fit removes: it leaves no model behind.
_FITTED = (
    "net_",
    "augmenter_",
    "augmenter_description_",
    "batch_size_",
    "history_",
    "n_iter_",
    "_n_features_out",
    "_fitted_params",
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
    augmenter : "auto", None, fitted-able transformer or Pipeline, default="auto"
        Makes the views. ``"auto"`` (the default) means ``AutoAugmenter()``:
        at fit the views are chosen from the training X (after validation)
        by :class:`~skcontrast.augment.AutoAugmenter` --- ``BitDropout(p=0.3)``
        on fingerprint bits, ``SpectrumAugmenter(units="relative")`` on a wide
        block of smoothly varying ordered columns (spectra), and
        ``ConditionJitter(std=0.1, units="std")`` on other continuous columns,
        as a Pipeline of column subsets for mixed input; they are in
        ``augmenter_`` and described in ``augmenter_description_`` (printed
        under ``verbose``). An ``AutoAugmenter`` instance with settings of
        your own is resolved the same way. None keeps the default of earlier
        versions, ``ConditionJitter(std=0.1)`` on every column in the units
        of X. A skcontrast augmenter (or a Pipeline of them) runs on the
        training device through ``augment_tensor``; any other scikit-learn
        transformer runs through its ``transform`` on the CPU. It is cloned
        and fitted on the training X.
    loss : {"nt_xent", "info_nce", "supcon", "vicreg", "barlow_twins"}, \
            ContrastiveLoss subclass or instance, default="nt_xent"
        Symmetric SimCLR loss, one-directional InfoNCE, supervised
        contrastive loss (uses y as extra positives; y is then required), or
        the variance-keeping VICReg and Barlow Twins (no negatives, no
        temperature; no embedding dimension collapses): the
        names of :data:`skcontrast.losses.LOSSES`. A loss of your own is a
        :class:`~skcontrast.losses.ContrastiveLoss` subclass, called as
        ``loss(temperature=temperature)`` when its ``__init__`` takes a
        temperature (else ``loss()``), or an instance, deep-copied at fit (the
        parameter is never mutated) and used with its own settings; see
        :func:`~skcontrast.losses.check_loss`. y is required exactly when the
        loss's ``requires_labels`` is True.
    temperature : float, default=0.2
        Softmax temperature of the loss (> 0); not used by a loss given as an
        instance, nor by a class whose ``__init__`` takes no temperature.
    batch_size : int, default=256
        Rows per training batch (each gives ``2 * batch_size`` views). A final
        batch of one row is dropped. Capped by the number of training rows
        (after the validation split): 40 rows train in one batch of 40, with
        no warning; the batch used is ``batch_size_``.
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
    n_threads : int or None, default=None
        CPU threads torch uses during ``fit``, ``partial_fit``, ``transform``
        and ``score`` (:func:`torch.set_num_threads`, put back to its previous
        value when the call returns). None keeps torch's setting in the main
        program and its threads; in a worker process (joblib's, as
        ``GridSearchCV(n_jobs=...)``, dask's, or another multiprocessing
        child) and in a dask worker it caps it at the worker's
        share of the cores: ``OMP_NUM_THREADS`` / ``MKL_NUM_THREADS`` when set
        (joblib's loky workers and dask's nanny set them), else 1 (one
        thread per task, also in a dask worker). torch's thread count is
        process-wide, so other threads of the process that start torch work
        during the call use it too. See the user guide's "Threads" section.
    distributed : bool, default=False
        Train one model with all the processes of a launcher (``torchrun
        --nproc_per_node N``, ``accelerate launch``, a multi-node ``torchrun``):
        each process calls ``fit`` with the whole X and trains on its slice of
        every global batch of ``batch_size`` rows, inside
        ``DistributedDataParallel``, with the loss computed over the
        embeddings of all the processes (the loss's ``gather_distributed``
        is set during training), so the objective is that of one process on
        the global batch, and so are the views. The default process group is
        initialised from the launcher's environment when needed (``nccl`` on
        CUDA, with ``LOCAL_RANK``'s GPU; ``gloo`` on the CPU), or an existing
        one is used. Without a launcher (``WORLD_SIZE`` unset or 1) it trains
        exactly as ``distributed=False``. Afterwards every process holds the
        same ordinary estimator, which pickles, loads and transforms in a
        plain process. See the user guide's "Training on several processes".
    %(random_state)s
        Seeds torch (weights, dropout, shuffling), the views and the validation
        split: the same seed on the same device gives the same embedding.
        With ``distributed=True``, rank 0's seed is used by every process.
    verbose : int, default=0
        1 prints a per-epoch table (``epoch k/n``, losses, duration) and, on a
        terminal, a progress bar. Colours and the bar's redraws are written
        only to a terminal: logs, files and pipes get plain lines.

    Attributes
    ----------
    net_ : ContrastiveNet
        The trained skorch net (encoder in ``net_.module_``, head in ``net_.head_``).
    history_ : skorch.History
        Per-epoch ``train_loss`` (``valid_loss``), durations and batch records.
    n_iter_ : int
        Number of epochs trained.
    augmenter_ : transformer
        The fitted augmenter: with ``augmenter="auto"`` (or an
        ``AutoAugmenter``), the views it chose (an augmenter or a Pipeline of
        them), fitted.
    augmenter_description_ : str
        The views in words, one line per augmenter and the columns it
        changes (what ``"auto"`` chose); for an augmenter given, its repr.
    batch_size_ : int
        The training batch of the last ``fit`` or ``partial_fit``:
        ``min(batch_size, number of training rows)`` (at least 2).
    device_ : str
        The device the encoder lives on.
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X had string column names.

    See Also
    --------
    skcontrast.losses.nt_xent : The default loss.
    skcontrast.losses.ContrastiveLoss : The contract of a loss of your own.
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
        "augmenter": [None, StrOptions({"auto"}), HasMethods(["fit", "transform"])],
        "loss": [StrOptions(set(LOSSES)), type, ContrastiveLoss],
        "temperature": [Interval(numbers.Real, 0, None, closed="neither")],
        "batch_size": [Interval(numbers.Integral, 2, None, closed="left")],
        "max_epochs": [Interval(numbers.Integral, 1, None, closed="left")],
        "lr": [Interval(numbers.Real, 0, None, closed="neither")],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left")],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="left")],
        "early_stopping": ["boolean", Interval(numbers.Integral, 1, None, closed="left")],
        "device": [str, torch.device],
        "callbacks": [None, list],
        "n_threads": [None, Interval(numbers.Integral, 1, None, closed="left")],
        "distributed": ["boolean"],
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
        augmenter="auto",
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
        n_threads=None,
        distributed=False,
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
        self.n_threads = n_threads
        self.distributed = distributed
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fitting
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X, y=None, groups=None):
        """Train the encoder on X (y is used only by a loss that needs labels, as ``"supcon"``).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Float features (float64 and DataFrames are cast to float32). CSR is
            densified one batch at a time for training and ``transform``, and
            skcontrast's augmenters are fitted on it as it is (a foreign
            transformer in the augmenter that does not accept sparse input is
            fitted on a dense copy). At least 2 rows.
        y : array-like of shape (n_samples,), default=None
            Class labels, required for ``loss="supcon"`` (and any loss whose
            ``requires_labels`` is True), ignored otherwise. y must then be a
            classification target (``type_of_target`` says "binary" or
            "multiclass": bin a continuous y first) with at least two classes.
        groups : array-like of shape (n_samples,), default=None
            Positives from metadata: rows that share a group (any hashable
            value: a sample id, a run and time window, a duplicate record) are
            positives of each other and never negatives, as in supervised
            contrastive learning (Khosla et al., 2020) with the groups as
            classes: replicate measurements, one sample read on two
            instruments, neighbouring time points of one run. None: each row
            is its own group (SimCLR). Taken by ``loss="nt_xent"`` and
            ``"info_nce"`` (a loss whose ``accepts_groups`` is True); through
            a Pipeline as ``fit(X, embed__groups=groups)``, or with metadata
            routing after ``set_fit_request(groups=True)``. Groups act within
            a batch: the larger the batch, the more group-mates meet.

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
            - For ``loss="supcon"`` (a loss whose ``requires_labels`` is
              True): when y is missing, holds missing labels (None, NaN; named
              by row) or labels of mixed types, is not 1-D with one label per
              row, is not a classification target (a continuous y: bin it
              first), or holds a single class.
            - For a loss of your own that :func:`~skcontrast.losses.check_loss`
              refuses (``reduction="none"``, an invalid temperature).
            - For groups given to a loss that does not take them
              (``"supcon"``, whose positives come from y; ``"vicreg"``,
              ``"barlow_twins"``), groups that are not 1-D with one value per
              row, or that hold missing values (named by row) or values of
              mixed types.
            - When ``validation_fraction`` leaves fewer than 2 rows on either
              side, ``hidden_dims`` holds a non-positive width,
              ``encoder_kwargs`` come with an encoder instance, the encoder
              does not map ``(batch, n_features)`` to ``(batch, width)``, or
              ``device`` asks for CUDA on a machine without it.
            - With ``distributed=True`` and several processes: on every
              process, when they were given different X, y or groups (named),
              or when another process's checks failed (its rank named).
        FloatingPointError
            When the training or validation loss becomes NaN or infinite (the
            message names the epoch and batch); no model is left behind.
        TypeError
            For a loss class that is abstract or cannot be built as
            ``loss(temperature=...)`` or ``loss()``.
        """
        return self._fit(X, y, groups, incremental=False)

    @_fit_context(prefer_skip_nested_validation=False)
    def partial_fit(self, X, y=None, groups=None):
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
        also by the device it resolves to), objects (an encoder, augmenter or
        loss class or instance, each callback, a random generator) by
        identity: an equal
        copy counts as a change, while a nested ``set_params`` that changes an
        object in place (``augmenter__std=0.5``) is not detected, and has no
        effect on the model (``fit`` trained a clone of the augmenter).

        The parameters are validated as at ``fit`` before anything reaches the
        model, and the loss is the one the model was fitted with. If training
        fails (a NaN loss), the model is restored to its state before the call.

        A fitted model given a block of fewer than 2 rows (the last block of a
        stream, e.g. from ``dask_ml.wrappers.Incremental``) skips it: the model
        is left as it was and a :class:`~skcontrast.embed.SkippedBlockWarning`
        names the block's size, since a single row has no negatives to learn
        from. The row is still checked (feature count, NaN, infinity). An
        unfitted model starts a new one, so it needs 2 rows, as ``fit`` does.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,), default=None
            Used only when the model was fitted with ``loss="supcon"`` (a loss
            that requires labels): class labels with at least two classes.
        groups : array-like of shape (n_samples,), default=None
            The groups of these rows, as in :meth:`fit` (each call's groups
            stand alone: a model fitted with groups may continue without, and
            the reverse).

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

        Warns
        -----
        SkippedBlockWarning
            When a fitted model is given fewer than 2 rows (nothing is trained).
        """
        if self.__sklearn_is_fitted__() and 0 <= _n_rows(X) < 2:  # -1: unknown, trained
            X = self._validate_X(X, reset=False, ensure_min_samples=0)
            warn_user(
                f"{type(self).__name__}.partial_fit skipped a block of {X.shape[0]} "
                "row(s): a contrastive batch needs at least 2 rows (each row's "
                "negatives are the other rows). The model is unchanged.",
                SkippedBlockWarning,
            )
            return self
        return self._fit(X, y, groups, incremental=True)

    def _fit(self, X, y, groups, incremental: bool):
        """The one training path: a new model (fit), or more epochs of the fitted one.

        Like scikit-learn's ``MLPClassifier._fit``. A new model (``fit``, or
        ``partial_fit`` before any fit): validate X and record the parameters
        that define the model, fit the augmenter, then, under the seed drawn
        from ``random_state``, build the encoder, the head and the net. More
        epochs (``partial_fit`` of a fitted model): validate the parameters and
        refuse changes to those fixed at fit, validate X, and carry the
        training settings over to the net. Then train ``max_epochs`` epochs.

        One failure policy: a call that raises leaves nothing of itself behind,
        so the estimator is as the call found it, except for the model the call
        replaces. ``fit`` replaces the model, so a failed ``fit`` leaves none
        (neither a half-trained one nor the previous fit's, whose input width
        may differ); ``partial_fit`` replaces the model's state, so a failed
        ``partial_fit`` puts back its weights, optimizer, history and random
        streams as they were before the call.
        """
        incremental = incremental and self.__sklearn_is_fitted__()
        snapshot = None  # partial_fit: the state the training below replaces
        distributed = self.distributed is True or self.distributed is np.True_
        try:
            try:
                if incremental:
                    X, y_codes = self._prepare_more_epochs(X, y)
                    snapshot = self.net_.snapshot()
                    seed = self._seed + self.n_iter_
                else:
                    X, y_codes = self._prepare_new_model(X, y)
                    seed = draw_seed(check_generator(self.random_state))
                group_codes = encode_groups(
                    X, groups, loss=self.net_.criterion_ if incremental else self.loss
                )
            except Exception:
                if distributed:  # the other processes must not wait for this one
                    with contextlib.suppress(Exception):  # its own error is raised below
                        agree_start(
                            0, None, None, None, distributed=True, device=self.device, failed=True
                        )
                raise
            # several processes: the same data everywhere, rank 0's seed
            seed = agree_start(
                seed, X, y_codes, group_codes, distributed=distributed, device=self.device
            )
            if not incremental:
                self._fit_views(X, seed)
            lead = is_lead_process(distributed)
            batch = self._report_setup(X, views=not incremental, lead=lead)
            with self._seeded(seed), torch_threads(self.n_threads):
                if not incremental:
                    self.net_ = self._new_net(X)
                self.net_.distributed = bool(self.distributed)
                if group_codes is None:
                    self.net_.partial_fit(X, y_codes)
                else:  # groups take the place of y (a loss that takes groups needs no y)
                    with self.net_.grouped():
                        self.net_.partial_fit(X, group_codes)
        except Exception:
            if not incremental:
                for name in _FITTED:
                    self.__dict__.pop(name, None)
            elif snapshot is not None:
                self.net_.restore(snapshot)
            raise
        self.batch_size_ = batch
        self._after_training(lead)
        return self

    def _prepare_new_model(self, X, y):
        """Validate a fit's input and record its parameters (nothing random yet)."""
        X = self._validate_X(X, reset=True)
        self._fitted_params = fixed_params(self)
        y_codes = encode_labels(
            X,
            y,
            needed=requires_labels(self.loss),
            loss_text=describe_loss(self.loss),
            training=True,
        )
        self._check_params_against_data(X)
        self._input_kind = input_kind(X)  # for the advice of the chance-level warning
        self.device_ = resolve_device(self.device)
        return X, y_codes

    def _fit_views(self, X, seed: int) -> None:
        """Record the new model's seed (the same on every process) and fit the augmenter."""
        self._seed = seed
        augmenter, self.augmenter_description_ = self._views_for(X)
        # random_state=None steps get seeds from ours, so make_views(augmenter_, X)
        # replays too (the training views come from the net's torch generator)
        self.augmenter_ = fit_views(
            augmenter,
            X,
            seed=self._seed,
            feature_names=getattr(self, "feature_names_in_", None),
            validated=True,  # X was validated: the augmenters do not scan it again
        )

    def _report_setup(self, X, views: bool, lead: bool) -> int:
        """The training batch (``batch_size`` capped by the training rows); under
        ``verbose``, print it when capped, and the views of a new model (on the
        lead process only: rank 0 when several processes train)."""
        n_train = X.shape[0] - n_valid_rows(self.validation_fraction, X.shape[0])
        batch = max(2, min(int(self.batch_size), n_train))
        if self.verbose and lead:
            if views:
                lines = self.augmenter_description_.splitlines()
                print("views (augmenter_): " + "\n    ".join(lines))
            if batch < int(self.batch_size):
                print(
                    f"batch: {batch} rows (batch_size={self.batch_size} capped by the "
                    f"{n_train} training rows)"
                )
        return batch

    def _views_for(self, X):
        """The augmenter to fit on X, unfitted, and its description."""
        augmenter = self.augmenter
        if augmenter is None:  # the default of earlier versions
            augmenter = ConditionJitter(std=0.1)
        elif isinstance(augmenter, str):  # "auto" (the only string the constraint allows)
            augmenter = AutoAugmenter()
        if isinstance(augmenter, AutoAugmenter):
            augmenter, description, _ = augmenter.views_for(X)
            return augmenter, description
        return augmenter, " ".join(repr(augmenter).split())

    def _new_net(self, X) -> ContrastiveNet:
        """The encoder, head and net of a new model (called under the fit's seed)."""
        encoder = build_encoder(
            self.encoder, self.encoder_kwargs, self.hidden_dims, X.shape[1], self.n_components
        )
        width = output_width(encoder, X.shape[1])
        head = None
        if self.projection_dim is not None:
            head = ProjectionHead(width, self.projection_dim)
        net = make_net(
            encoder,
            head,
            augmenter=self.augmenter_,
            loss=self.loss,
            callbacks=make_callbacks(
                self.callbacks,
                self.early_stopping,
                early_stopping_monitor(self.validation_fraction),
                self.verbose,
            ),
            device=self.device_,
            settings={
                "lr": float(self.lr),
                "optimizer__weight_decay": float(self.weight_decay),
                "criterion__temperature": float(self.temperature),
                "max_epochs": int(self.max_epochs),
                "batch_size": int(self.batch_size),
                "valid_fraction": float(self.validation_fraction),
                "view_seed": self._seed % (2**62),
                "verbose": int(self.verbose),
            },
        )
        self._n_features_out = width
        return net

    def _prepare_more_epochs(self, X, y):
        """Validate a partial_fit's parameters and input; carry the settings to the net."""
        # _fit_context validates the parameters only when fitting from scratch:
        # check them here too, before anything (set_params' lr=-1.0, max_epochs=0)
        # reaches the fitted net
        self._check_params_valid()
        self._check_fixed_params()
        X = self._validate_X(X, reset=False)
        y_codes = self._fitted_labels(X, y, training=True)
        self._check_params_against_data(X)
        self._sync_training_params()
        return X, y_codes

    def _check_fixed_params(self) -> None:
        """Refuse set_params changes, since fit, to the parameters that define the model."""
        fitted = self.__dict__.get("_fitted_params")
        if fitted is None:  # a model pickled by an older version: nothing recorded
            return
        changes = changed_fixed_params(fitted, self, self.device_)
        if changes:
            raise ValueError(
                "partial_fit continues training the model fitted by fit, but set_params "
                f"changed {'; '.join(changes)}. These parameters define the model and "
                "cannot change in partial_fit: set them back to continue training, or "
                "call fit to train a new model."
            )

    def _fitted_labels(self, X, y, *, training: bool):
        """y's class codes for the fitted loss (set_params cannot change it), or None."""
        fitted = self.__dict__.get("_fitted_params")
        loss = fitted["loss"] if fitted is not None else self.net_.criterion
        return encode_labels(
            X,
            y,
            needed=self.net_.criterion_.requires_labels,
            loss_text=describe_loss(loss),
            training=training,
        )

    def _sync_training_params(self) -> None:
        """Carry set_params changes of the training settings to the fitted net.

        Through skorch's ``set_params``, which re-initialises nothing here:
        ``max_epochs``, ``batch_size`` and ``valid_fraction`` are plain
        attributes; ``lr`` and ``optimizer__weight_decay`` are skorch's virtual
        parameters (written into the optimizer's param groups, its state kept)
        and ``criterion__temperature`` the net's own (written into the live
        loss). These three are set only when they changed, so that a
        learning-rate scheduler's progress survives ``partial_fit`` calls.
        """
        net = self.net_
        monitor = getattr(dict(net.callbacks_).get("early_stopping"), "monitor", None)
        if monitor == "valid_loss" and not self.validation_fraction:
            raise ValueError(
                "validation_fraction=0 but early stopping was set up at fit to watch the "
                "validation loss; keep a validation fraction for partial_fit, or refit."
            )
        changed = {
            name: value
            for name, value in (
                ("lr", float(self.lr)),
                ("optimizer__weight_decay", float(self.weight_decay)),
                ("criterion__temperature", float(self.temperature)),
            )
            if float(getattr(net, name)) != value
        }
        net.set_params(
            max_epochs=int(self.max_epochs),
            batch_size=int(self.batch_size),
            valid_fraction=float(self.validation_fraction),
            **changed,
        )
        if "optimizer__weight_decay" in changed:
            # skorch's setter of optimizer__* parameters writes the param groups but
            # not the net's attribute, which records the value for the next call
            net.optimizer__weight_decay = changed["optimizer__weight_decay"]

    def _validate_X(self, X, reset: bool, ensure_min_samples: int = 2):
        """X as float32 (ndarray or CSR), through the one float-input check.

        NaN and infinity, and finite values beyond float32's range (which the
        cast would turn into infinity), are a ``ValueError`` naming the column
        (and its name), the first rows and their values.
        """
        return validate_float(
            self, X, reset=reset, float32=True, ensure_min_samples=ensure_min_samples
        )

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
            n_valid = n_valid_rows(self.validation_fraction, X.shape[0])
            if n_valid < 2 or X.shape[0] - n_valid < 2:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} leaves {n_valid} "
                    f"validation and {X.shape[0] - n_valid} training rows out of "
                    f"{X.shape[0]}; each part needs at least 2."
                )

    @contextlib.contextmanager
    def _seeded(self, seed: int):
        """Seed torch's global generators for weights and dropout, restoring them after."""
        devices = []
        if self.device_.startswith("cuda"):
            devices = [torch.device(self.device_).index or 0]
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed % (2**63))
            yield

    def _after_training(self, lead: bool) -> None:
        # at rest in eval mode, as transform and score leave it: they change
        # nothing, so a pickle taken before or after them is the same bytes
        self.net_._set_training(False)
        self.history_ = self.net_.history
        self.n_iter_ = len(self.net_.history)
        if not lead:  # several processes: rank 0 alone warns
            return
        chance, how = chance_level(self.net_.criterion_, last_batch_sizes(self.history_))
        if chance is None or chance <= 0:  # the loss has no chance value (SupCon)
            return
        last = self.history_[-1, "train_loss"]
        if last > _CHANCE_FRACTION * chance:
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
            Empty, of shape (0, n_components), when X has no rows.

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
        # No rows give no rows (an empty dask partition), not an error.
        X = self._validate_X(X, reset=False, ensure_min_samples=0)
        if X.shape[0] == 0:
            return np.empty((0, self._n_features_out), dtype=np.float32)
        with torch_threads(self.n_threads):
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
        those with labels. The loss is the one the model was fitted with, and
        each loss has its own scale, so the score cannot choose ``loss`` either.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            At least 2 rows.
        y : array-like, default=None
            Labels, used only by a loss that needs them (``requires_labels``, as
            ``"supcon"``). A single class is accepted
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
        y_codes = self._fitted_labels(X, y, training=False)
        with torch_threads(self.n_threads):
            return -self.net_.evaluate_loss(
                X, y_codes, seed=_SCORE_SEED, batch_size=self.batch_size
            )

    def _check_params_valid(self) -> None:
        """The parameters' constraints, as at fit (unless scikit-learn skips them)."""
        if not get_config()["skip_parameter_validation"]:
            self._validate_params()

    # ------------------------------------------------------------------ persistence
    def __getstate__(self):
        """The persisted state: parameters, fitted attributes and the net as plain data.

        The skorch net is replaced by its plain state (NumPy arrays, lists and
        dicts of numbers and strings; see :mod:`skcontrast.embed._persist`), so
        that ``skops.io`` stores the model without pickled bytes, and pickle
        and joblib store it without torch objects (a model trained on CUDA
        loads on a CPU-only machine).
        """
        state = dict(super().__getstate__())
        net = state.pop("net_", None)
        state.pop("history_", None)  # the net's history, rebuilt with it
        if net is not None:
            state[NET_STATE] = net.plain_state()
        return canonical_state(state)  # pickles of a loaded copy: the same bytes

    def __setstate__(self, state):
        state = dict(state)
        state.setdefault("n_threads", None)  # pickled before n_threads existed
        state.setdefault("distributed", False)  # pickled before distributed existed
        net_state = state.pop(NET_STATE, None)
        super().__setstate__(state)
        if net_state is not None:
            self.net_ = rebuild_net(self, net_state)
        net = self.__dict__.get("net_")  # also a pickled net: earlier versions
        if net is not None:
            self.device_ = str(net.device)
            self.history_ = net.history

    def __sklearn_is_fitted__(self) -> bool:
        return "net_" in self.__dict__

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        tags.target_tags.required = False
        return tags


def _n_rows(X) -> int:
    """The number of rows of an array-like, without converting it (-1 if unknown)."""
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) >= 1 and shape[0] is not None:
        return int(shape[0])
    try:
        return len(X)
    except TypeError:
        return -1
