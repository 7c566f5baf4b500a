"""SiameseEncoder: a supervised transformer trained as a siamese network."""

import contextlib
import copy

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._base import SHARED_CONSTRAINTS, _Base
from ._checks import (
    assert_finite,
    check_finite_output,
    input_shape,
    validate_numeric_data,
)
from ._compat import Amount, Count, StrOptions, _fit_context
from ._data import StratifiedHoldout, TensorData, as_tensor_data
from .augment import RandomAffine
from .distances import DISTANCES, Distance, get_distance
from .losses import PrototypicalLoss, TripletLoss, get_loss
from .metrics import precision_at_1
from .modules import SiameseNetwork
from .sampling import ClassBalancedBatches, RandomPairBatches, RandomTripletBatches

__all__ = ["SiameseEncoder"]


class SiameseEncoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _Base):
    """Learn an embedding in which samples of the same class are close.

    A siamese network: one branch network with shared weights embeds every
    sample, and a metric-learning loss pulls same-class samples together
    and pushes different-class samples apart, by at least ``margin``.
    Training draws fresh batches *by index* every epoch (class-balanced
    batches of ``P`` classes times ``samples_per_class`` samples by default,
    whose loss runs over every pair, triplet or class of the batch) and
    gathers the rows of a batch in one operation; pairs are never
    materialised.

    The default loss, ``"prototypical"``, makes every batch a few-shot
    episode: each sample must be nearer to its own class's mean embedding
    than to any other class's by ``margin``. It gave the best one-shot
    accuracy on classes never seen in training (see the benchmarks page);
    ``loss="contrastive"`` is the classic siamese loss of Hadsell et al.

    ``transform`` returns the embeddings, for any downstream estimator
    (``KNeighborsClassifier``, clustering, a linear model); they also work
    for classes never seen in training (one-shot learning, verification).

    Parameters
    ----------
    module : {"auto", "mlp", "conv", "koch"}, torch.nn.Module class or instance, \
            default="auto"
        The branch network. ``"auto"`` is ``"mlp"`` for 2-D input and
        ``"conv"`` for images. Built-in branches are sized from the input
        and take ``embedding_dim``; a module class is instantiated with its
        ``module__*`` parameters only and its output size is the embedding
        size; an instance is copied and trained from its current weights.
        See :mod:`sklearn_siamese.modules`.
    loss : {"prototypical", "contrastive", "triplet"} or torch.nn.Module, \
            default="prototypical"
        ``"prototypical"`` (Snell et al. 2017, with an additive margin),
        which trains directly for nearest-prototype few-shot classification;
        ``"contrastive"`` (Hadsell et al. 2006) over all in-batch pairs; or
        ``"triplet"`` with ``mining``. A ``torch.nn.Module`` is called as
        ``loss(embeddings, labels)`` (with ``sampling="random"``: as
        ``loss((e1, e2), same)`` on pairs, ``same`` float 1 or 0); each fit
        trains a copy of it (the given module is left untouched). An
        instance of a built-in loss (``PrototypicalLoss(temperature=0.2)``)
        trains with its own margin, mining and temperature, not the
        estimator's ``margin`` and ``mining``; its distance must be
        ``distance``. See :mod:`sklearn_siamese.losses`.
    margin : float, default=1.0
        For ``"contrastive"`` and ``"triplet"``: the margin in units of
        ``distance`` (positive for ``"contrastive"``). For
        ``"prototypical"``: added to the (squared, for the Euclidean
        distance) distance to the sample's own prototype, so it must be
        nearer by that much; 0 gives the plain prototypical loss. With
        ``normalize=True`` and the Euclidean distance, embeddings lie on
        the unit sphere: distances are at most 2, squared distances at
        most 4.
    distance : {"euclidean", "cosine", "manhattan"}, default="euclidean"
        Distance between embeddings in the loss and in :meth:`score`.
    mining : {"all", "hard", "semihard"}, default="all"
        In-batch triplets used by ``loss="triplet"``.
    sampling : {"batch", "random"}, default="batch"
        ``"batch"``: class-balanced batches, loss over all in-batch pairs or
        triplets. ``"random"``: isolated random pairs (half same-class, as
        :class:`~sklearn_siamese.PairSampler` makes them) or triplets, the
        classic siamese scheme.
    samples_per_class : int, default=4
        ``K``, samples of each class in a ``"batch"`` batch; the batch holds
        ``batch_size // K`` classes (``batch_size // K * K`` rows). ``K`` is
        at most ``batch_size // 2``, so that a batch holds two classes. With
        fewer classes than that, a batch holds all classes of
        ``batch_size // n_classes`` samples each, and ``samples_per_class``
        has no effect. A class with fewer samples gives all of them, none
        twice.
    embedding_dim : int, default=64
        Size of the embedding of the built-in branches.
    normalize : bool, default=True
        L2-normalise embeddings (they lie on the unit sphere); needs an
        embedding of 2 or more dimensions.
    augment : bool, default=False
        For images, apply a small random affine distortion to training
        batches (rotation up to 10 degrees, shift up to 10%, scale 0.9 to
        1.1, shear up to 0.1), seeded by ``random_state``. Never applied by
        :meth:`transform`.
    max_epochs : int or "auto", default="auto"
        Training epochs; an epoch embeds about ``n_samples`` samples.
        ``"auto"`` aims at 2000 optimiser steps, between 5 and 100 epochs.
    batch_size : int, default=128
        Samples embedded per optimiser step; at least 4 with
        ``sampling="batch"``.
    lr : float, default=1e-3
        Learning rate.
    optimizer : torch.optim.Optimizer class, default=torch.optim.Adam
        Optimiser; its other parameters are set with ``optimizer__*``.
    weight_decay : float, default=0.0
        L2 penalty, passed as ``weight_decay`` to every optimiser that
        takes one (0 too: AdamW's own default of 0.01 does not apply);
        optimisers without one, such as Rprop, need 0.
    lr_schedule : {"cosine", "constant"}, default="cosine"
        ``"cosine"`` decays the learning rate from ``lr`` towards 0 over the
        epochs of ``fit`` (cosine annealing, stepped every epoch);
        ``partial_fit`` always trains at the constant ``lr``.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the samples of every class with
        4 or more samples (at least 2 of each, and at most all but 2; at
        least 2 such classes are needed), stop when the validation loss
        has not improved for ``n_iter_no_change`` epochs, and keep the best
        weights. Not used by ``partial_fit``.
    validation_fraction : float, default=0.1
        Held-out fraction when ``early_stopping=True``.
    n_iter_no_change : int, default=5
        Patience of early stopping, in epochs.
    device : "auto", str or torch.device, default="auto"
        ``"auto"`` trains on CUDA when available. Results always come back
        as NumPy arrays on the CPU.
    precision : {"32", "bf16"}, default="32"
        ``"bf16"`` runs forward passes in bfloat16 autocast (mixed
        precision: faster on recent GPUs and on CPUs with bfloat16 matrix
        units such as Intel AMX, for conv nets; float32 weights and
        outputs).
    accelerator : accelerate.Accelerator, default=None
        Train through Hugging Face Accelerate (skorch's
        ``AccelerateMixin``): multi-GPU data parallelism when launched with
        ``accelerate launch``, mixed precision set on the accelerator.
        Placement is then the accelerator's and ``device`` is ignored; see
        :ref:`multi-gpu` in the user guide.
    callbacks : list of skorch callbacks, default=None
        Extra skorch callbacks (e.g. ``skorch.callbacks.LRScheduler``), as
        instances or ``(name, callback)`` tuples; they stay through
        ``partial_fit``. The names ``"lr_schedule"`` and ``"early_stopping"``
        belong to the callbacks of those parameters.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialisation, batches, dropout and augmentation;
        an int makes CPU fits repeatable bit for bit.
    verbose : int, default=0
        Print a table of per-epoch losses when positive.
    **kwargs
        ``module__*`` parameters of the branch (e.g.
        ``module__hidden_layer_sizes=(256,)``) and ``optimizer__*``
        parameters (e.g. ``optimizer__momentum=0.9``).

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The fitted training loop; ``net_.module_`` is the
        :class:`~sklearn_siamese.modules.SiameseNetwork`, and
        ``net_.forward(X)`` embeds arrays as a skorch net would (a CPU
        tensor, unless its ``device=`` says otherwise; :meth:`transform`
        checks the input and returns numpy).
    history_ : skorch.History
        Per-epoch training (and validation) losses.
    device_ : str
        The device trained on.
    input_shape_ : tuple of int
        Shape of one sample seen in ``fit``.
    n_features_in_ : int
        Number of features (``X.shape[1]``) seen in ``fit``.
    feature_names_in_ : ndarray of str
        Column names of a DataFrame ``X``.

    See Also
    --------
    PairClassifier : "Same or different?" on pairs of samples.
    PairSampler : Balanced pairs from labelled samples.
    sklearn.neighbors.NeighborhoodComponentsAnalysis : Linear metric learning.

    References
    ----------
    .. [1] R. Hadsell, S. Chopra, Y. LeCun, "Dimensionality Reduction by
       Learning an Invariant Mapping", CVPR 2006.
    .. [2] G. Koch, R. Zemel, R. Salakhutdinov, "Siamese Neural Networks for
       One-shot Image Recognition", ICML Deep Learning Workshop, 2015.
    .. [3] F. Schroff, D. Kalenichenko, J. Philbin, "FaceNet: A Unified
       Embedding for Face Recognition and Clustering", CVPR 2015.
    .. [4] J. Snell, K. Swersky, R. Zemel, "Prototypical Networks for
       Few-shot Learning", NeurIPS 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_siamese import SiameseEncoder
    >>> X, y = load_digits(return_X_y=True)
    >>> encoder = SiameseEncoder(max_epochs=2, random_state=0).fit(X / 16, y)
    >>> encoder.transform(X[:3] / 16).shape
    (3, 64)
    """

    _parameter_constraints = {
        **SHARED_CONSTRAINTS,
        # 0 is the plain prototypical loss, or a triplet loss that stops at
        # the right order; a contrastive loss needs more (checked in fit)
        "margin": [Amount(0, None, closed="left")],
        "loss": [
            StrOptions({"prototypical", "contrastive", "triplet"}),
            torch.nn.Module,
        ],
        "mining": [StrOptions({"all", "hard", "semihard"})],
        "sampling": [StrOptions({"batch", "random"})],
        "samples_per_class": [Count(2, None, closed="left")],
        "augment": ["boolean"],
    }

    def __init__(
        self,
        module="auto",
        *,
        loss="prototypical",
        margin=1.0,
        distance="euclidean",
        mining="all",
        sampling="batch",
        samples_per_class=4,
        embedding_dim=64,
        normalize=True,
        augment=False,
        max_epochs="auto",
        batch_size=128,
        lr=1e-3,
        optimizer=torch.optim.Adam,
        weight_decay=0.0,
        lr_schedule="cosine",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        device="auto",
        precision="32",
        accelerator=None,
        callbacks=None,
        random_state=None,
        verbose=0,
        **kwargs,
    ):
        self.module = module
        self.loss = loss
        self.margin = margin
        self.distance = distance
        self.mining = mining
        self.sampling = sampling
        self.samples_per_class = samples_per_class
        self.embedding_dim = embedding_dim
        self.normalize = normalize
        self.augment = augment
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.lr = lr
        self.optimizer = optimizer
        self.weight_decay = weight_decay
        self.lr_schedule = lr_schedule
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.device = device
        self.precision = precision
        self.accelerator = accelerator
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self._set_prefixed(kwargs)

    # -- fitting -----------------------------------------------------------

    def _check_X_y(self, X, y, reset):
        if not reset:
            self._check_sample_shape(X)
        X, y = validate_numeric_data(
            self,
            X,
            y,
            accept_sparse="csr",
            allow_nd=True,
            dtype=[np.float32, np.float64],
            ensure_min_samples=2,
            reset=reset,
        )
        # (missing labels are refused by then: NaN by validate_data, None
        # and NA in object labels by validate_numeric_data)
        check_classification_targets(y)
        classes, codes = np.unique(y, return_inverse=True)
        counts = np.bincount(codes)
        n_eligible = int(np.sum(counts >= 2))
        if n_eligible < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 classes with 2 or more "
                "samples each, to form same-class and different-class pairs; y "
                f"has {len(classes)} class(es), {n_eligible} of them with 2 or "
                "more samples."
            )
        return X, codes

    def _check_sample_shape(self, X):
        # Run before validate_data, whose "X has k features" would misreport
        # a wrong image size; 2-D input keeps scikit-learn's own message.
        shape = input_shape(X)[1:]
        if len(shape) + len(self.input_shape_) > 2 and shape != self.input_shape_:
            raise ValueError(
                f"X has samples of shape {shape}, but "
                f"{type(self).__name__} was fitted on samples of shape "
                f"{self.input_shape_}."
            )

    def _batch_plan(self):
        if self.sampling == "batch":
            if self.batch_size < 4:
                raise ValueError(
                    f"sampling='batch' needs batch_size=4 or more (two classes "
                    f"of two samples, for a same-class pair); got "
                    f"batch_size={self.batch_size}."
                )
            return ClassBalancedBatches(self.batch_size, self.samples_per_class)
        if self._loss_is("prototypical", PrototypicalLoss):
            raise ValueError(
                f"loss={self._loss_shown()} needs class-balanced batches; use "
                "sampling='batch' instead of sampling='random'."
            )
        if self._loss_is("triplet", TripletLoss):
            return RandomTripletBatches(self.batch_size)
        return RandomPairBatches(self.batch_size)

    def _loss_is(self, name, cls):
        """Whether ``loss`` is the built-in ``name``, by name or instance."""
        return isinstance(self.loss, cls) or (
            isinstance(self.loss, str) and self.loss == name
        )

    def _loss_shown(self):
        return (
            repr(self.loss) if isinstance(self.loss, str) else type(self.loss).__name__
        )

    def _check_loss_distance(self):
        """A built-in loss instance must train with the distance that
        ``score`` and the metrics use."""
        own = getattr(self.loss, "distance", None)
        if isinstance(self.loss, str) or not isinstance(own, Distance):
            return
        if own.metric in DISTANCES and own.metric != self.distance:
            raise ValueError(
                f"loss={type(self.loss).__name__}(distance={own.metric!r}) trains "
                f"with the {own.metric} distance, but distance={self.distance!r}, "
                "which score and the metrics use; pass "
                f"distance={own.metric!r} too."
            )

    def _initialize(self, X, epochs=None, *, valid=False):
        self._check_loss_distance()
        if self.margin == 0 and self.loss == "contrastive":
            raise ValueError(
                "margin=0 with loss='contrastive' never pushes different-class "
                "pairs apart, so the embeddings collapse to one point; use a "
                "positive margin."
            )
        if self.augment and X.ndim < 3:
            raise ValueError(
                "augment=True distorts images; X must be of shape (n_samples, "
                f"H, W) or (n_samples, C, H, W), got {X.ndim}-D input."
            )
        if sp.issparse(X) and self.module in ("conv", "koch"):
            raise ValueError(
                f"module={self.module!r} needs dense image input; sparse X works "
                "with module='mlp' or a module of your own."
            )
        self.input_shape_ = tuple(X.shape[1:])
        self._rebuild_net(None, valid=valid, epochs=epochs)

    def _rebuild_net(self, device, *, valid=False, epochs=None):
        """Build and initialise ``net_`` for ``input_shape_`` (no training)."""
        # A loss module of one's own is copied, as a module instance is: it
        # may hold parameters, which training would change in place.
        criterion = get_loss(
            copy.deepcopy(self.loss),
            distance=self.distance,
            margin=self.margin,
            mining=self.mining,
        )

        def module():
            return SiameseNetwork(
                self._build_branch(self.input_shape_), normalize=self.normalize
            )

        self._initialize_net(
            module,
            criterion,
            self._batch_plan(),
            valid=valid,
            epochs=epochs,
            device=device,
        )
        self.net_.augment = RandomAffine() if self.augment else None

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train the siamese network on labelled samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), \
                (n_samples, H, W) or (n_samples, C, H, W)
            Training samples: tabular rows (dense or sparse, e.g. TF-IDF) or
            images.
        y : array-like of shape (n_samples,)
            Class labels of any kind (ints, strings). At least two classes
            need two or more samples each.

        Returns
        -------
        self : SiameseEncoder
            The fitted encoder.
        """
        # a fit that fails, in the checks or in training, leaves no model
        for name in ("net_", "_n_features_out"):
            self.__dict__.pop(name, None)
        with self._unfitted_on_error():
            return self._fit(X, y)

    def _fit(self, X, y):
        X, codes = self._check_X_y(X, y, reset=True)
        if self.early_stopping:
            min_count = StratifiedHoldout.min_count
            n_held = int(np.sum(np.bincount(codes) >= min_count))
            if n_held < 2:
                raise ValueError(
                    "early_stopping=True measures a validation loss on held-out "
                    f"samples of the classes with {min_count} or more samples; "
                    f"it needs 2 such classes and y has {n_held}. Set "
                    "early_stopping=False, or give more samples per class."
                )
        plan = self._batch_plan()
        if isinstance(plan, ClassBalancedBatches):
            n_batches = plan.n_batches(codes)
        else:
            n_batches = max(1, round(len(codes) / self.batch_size))
        epochs = self._max_epochs(n_batches)
        self._initialize(X, epochs, valid=self.early_stopping)
        data = TensorData(as_tensor_data(X), codes)
        self._train(data, epochs)
        self._n_features_out = self._output_size(data)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y):
        """Train for one more epoch on ``(X, y)``, initialising if needed.

        ``partial_fit`` trains at the constant learning rate ``lr``, also
        after ``fit``, whose cosine schedule ends at zero, with no held-out
        split and no early stopping; ``lr``, ``batch_size`` and the batch
        parameters (``sampling``, ``samples_per_class``) are read at every
        call, other parameters at the next ``fit``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), \
                (n_samples, H, W) or (n_samples, C, H, W)
            Training samples, shaped as in the first call.
        y : array-like of shape (n_samples,)
            Class labels; they may differ from call to call.

        Returns
        -------
        self : SiameseEncoder
            The encoder, trained one epoch further.
        """
        first = not hasattr(self, "net_")
        with self._unfitted_on_error() if first else contextlib.nullcontext():
            X, codes = self._check_X_y(X, y, reset=first)
            if first:
                self._initialize(X)
            else:
                self._continue_training()
            data = TensorData(as_tensor_data(X), codes)
            self._train(data, 1)
            self._n_features_out = self._output_size(data)
        return self

    def _output_size(self, data):
        out = self._forward(data.subset(np.arange(1)).unlabelled(), exact=False)
        if out.ndim != 2:
            raise ValueError(
                "The branch network must return embeddings of shape (n_samples, "
                f"n_dims); it returned shape {tuple(out.shape)}."
            )
        check_finite_output(out, self, fitting=True)
        return out.shape[1]

    # -- inference ---------------------------------------------------------

    def transform(self, X):
        """Embed samples.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features), \
                (n_samples, H, W) or (n_samples, C, H, W)
            Samples shaped like the training samples.

        Returns
        -------
        X_new : ndarray of shape (n_samples, n_dims), dtype float32
            The embeddings, on the CPU.
        """
        check_is_fitted(self)
        self._check_sample_shape(X)
        X = validate_numeric_data(
            self,
            X,
            accept_sparse="csr",
            allow_nd=True,
            dtype=[np.float32, np.float64],
            ensure_all_finite=False,
            reset=False,
        )
        assert_finite(X, self)
        embeddings = self._forward(TensorData(as_tensor_data(X))).float().numpy()
        check_finite_output(embeddings, self, fitting=False)
        return embeddings

    def score(self, X, y):
        """Leave-one-out 1-nearest-neighbour accuracy in embedding space.

        Each sample is labelled by its nearest other sample (by
        ``distance``); the score is the fraction labelled correctly, i.e.
        precision@1 of retrieval. It needs no downstream model, so
        ``GridSearchCV`` can tune the encoder without a ``scoring``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, ...)
            At least two samples.
        y : array-like of shape (n_samples,)
            Their class labels.

        Returns
        -------
        score : float
            Leave-one-out 1-NN accuracy, in ``[0, 1]``.
        """
        embeddings = self.transform(X)
        y = np.asarray(y)
        if len(y) != len(embeddings):
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {len(embeddings)} "
                f"and {len(y)}."
            )
        if len(y) < 2:
            raise ValueError("score needs at least 2 samples.")
        return precision_at_1(embeddings, y, metric=get_distance(self.distance).metric)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        tags.input_tags.sparse = True
        tags.input_tags.three_d_array = True
        tags.transformer_tags.preserves_dtype = ["float32"]
        return tags
