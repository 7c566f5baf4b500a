"""PairClassifier: "same or different?" on pairs, through the shared loop."""

from numbers import Real

import numpy as np
import torch
from scipy.special import expit, logit
from sklearn.base import ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.linear_model import LogisticRegression
from sklearn.utils import check_array, check_random_state
from sklearn.utils.validation import check_is_fitted
from torch.nn import functional as F

from ._base import SHARED_CONSTRAINTS, _Base, _module_constraint
from ._checks import (
    assert_finite,
    check_finite_output,
    check_pair_layout,
    encode_pair_labels,
    split_pairs,
    validate_numeric_data,
)
from ._compat import Count, StrOptions, _fit_context
from ._data import StratifiedHoldout, TensorData, as_tensor_data
from .distances import get_distance
from .losses import ContrastiveLoss
from .modules import CosineHead, ExpHead, KochHead, SiameseNetwork
from .sampling import ShuffledBatches

__all__ = ["PairClassifier"]

_INT32_MAX = np.iinfo(np.int32).max


def _positive(z):
    """Positive, finite and increasing in ``z`` (``1 + z`` above 0); unlike
    ``log(1 + exp(z))`` it does not round to 0 for ``z`` below -745."""
    negative = np.minimum(z, 0.0)
    return np.where(z > 0, 1.0 + z, np.exp(negative / (1.0 - negative)))


# Least slope of the sigmoid calibration: P(same) must grow with similarity.
_MIN_SLOPE = 1e-6


class _BinaryCrossEntropy(torch.nn.Module):
    """Binary cross-entropy on logits, with 0/1 integer targets."""

    def forward(self, output, target):
        return F.binary_cross_entropy_with_logits(output, target.to(output.dtype))


class PairClassifier(ClassifierMixin, _Base):
    """Classify pairs of samples as "same" or "different".

    A siamese network: one branch network (shared weights) embeds both
    samples of a pair, and a head turns the two embeddings into a score of
    similarity, trained on labelled pairs through the package's one skorch
    loop. Probabilities are calibrated on held-out pairs, so
    ``predict_proba`` gives usable P(same) (a low Brier score), and the
    decision threshold can be tuned for accuracy, F-beta or a target true
    positive / true negative rate with :meth:`calibrate_threshold`.

    Parameters
    ----------
    module : {"auto", "mlp", "conv", "koch"}, torch.nn.Module class or instance, \
            default="auto"
        The branch network, as in :class:`SiameseEncoder`; it sees one
        sample of a pair at a time.
    head : {"koch", "distance", "cosine", "exp"}, default="koch"
        - ``"koch"``: ``|e1 - e2| -> linear -> sigmoid`` trained with the
          binary cross-entropy (Koch et al. 2015);
        - ``"distance"``: the contrastive loss (Hadsell et al. 2006) with
          ``margin`` and ``distance``; the score is the negative distance;
        - ``"cosine"``: a learned scale and bias of the cosine similarity,
          binary cross-entropy;
        - ``"exp"``: ``exp(-||e1 - e2||_1)`` as P(same), binary
          cross-entropy (the MaLSTM similarity of Mueller et al. 2016).
    margin : float, default=1.0
        Margin of the contrastive loss (``head="distance"``).
    distance : {"euclidean", "cosine", "manhattan"}, default="euclidean"
        Distance of the contrastive loss (``head="distance"``).
    embedding_dim : int, default=64
        Size of the embedding of the built-in branches.
    normalize : bool, default=True
        L2-normalise the embeddings; needs an embedding of 2 or more
        dimensions.
    shared : bool, default=True
        Share the branch between both sides (siamese). ``False`` gives each
        side its own branch (pseudo-siamese), for inputs of different kinds
        or widths.
    n_features_a : int, default=None
        For 2-D ``[x1 | x2]`` input with ``shared=False``: the first
        ``n_features_a`` columns are side A, the rest side B. ``None``
        splits the columns in half.
    module_b : same kinds as ``module``, default=None
        Branch of side B when ``shared=False``; ``None`` uses ``module``.
        Its own parameters are passed as ``module_b__*`` (``module__*``
        parameters go to side A only).
    calibration : {"sigmoid", "isotonic"}, default="sigmoid"
        How scores become probabilities on the held-out pairs: Platt's
        sigmoid or isotonic regression.
    pos_label : label, default=None
        The label that means "same"; ``None`` means ``classes_[1]`` (1 for
        {0, 1}, +1 for {-1, +1}, True for booleans, the second in sorted
        order for strings, e.g. "same" for {"different", "same"}). As in
        scikit-learn, ``decision_function > 0`` always predicts
        ``classes_[1]``, so with ``pos_label=classes_[0]`` higher decision
        values mean *less* similar.
    max_epochs : int or "auto", default="auto"
        Training epochs over the pairs; ``"auto"`` aims at 2000 optimiser
        steps, between 5 and 100 epochs.
    batch_size : int, default=128
        Pairs per optimiser step.
    lr : float, default=3e-3
        Learning rate (higher than :class:`SiameseEncoder`'s: the head has to
        learn its scale as well).
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
        Stop when the loss on the held-out pairs has not improved for
        ``n_iter_no_change`` epochs, and keep the best weights; needs 4 or
        more pairs of each label. Not used by ``partial_fit``.
    validation_fraction : float, default=0.1
        Fraction of the pairs held out (stratified) to calibrate
        probabilities, and for early stopping; each label keeps at least 2
        pairs for training.
    n_iter_no_change : int, default=5
        Patience of early stopping, in epochs.
    device : "auto", str or torch.device, default="auto"
        ``"auto"`` trains on CUDA when available; results come back as NumPy.
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
        Extra skorch callbacks, as
        instances or ``(name, callback)`` tuples; they stay through
        ``partial_fit``. The names ``"lr_schedule"`` and ``"early_stopping"``
        belong to the callbacks of those parameters.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, batches, dropout and the held-out split.
    verbose : int, default=0
        Print a table of per-epoch losses when positive.
    **kwargs
        ``module__*``, ``module_b__*`` and ``optimizer__*`` parameters.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two labels, sorted.
    pos_label_ : label
        The label that means "same".
    threshold_ : float
        Predict "same" when the calibrated P(same) exceeds it; 0.5 after
        ``fit``, changed by :meth:`calibrate_threshold` and
        :meth:`set_threshold`.
    calibrator_ : LogisticRegression or IsotonicRegression
        Maps a pair's score to P(same).
    net_ : skorch.NeuralNet
        The fitted training loop.
    history_ : skorch.History
        Per-epoch losses.
    input_shape_ : tuple of int
        Shape of one sample of side A (``input_shape_b_`` for side B).
    n_features_in_ : int
        ``X.shape[1]`` seen in ``fit``.

    See Also
    --------
    SiameseEncoder : Embeddings for downstream models.
    PairSampler : Make training pairs from labelled samples.

    References
    ----------
    .. [1] G. Koch, R. Zemel, R. Salakhutdinov, "Siamese Neural Networks for
       One-shot Image Recognition", ICML Deep Learning Workshop, 2015.
    .. [2] R. Hadsell, S. Chopra, Y. LeCun, "Dimensionality Reduction by
       Learning an Invariant Mapping", CVPR 2006.
    .. [3] J. Platt, "Probabilistic Outputs for Support Vector Machines",
       1999.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_siamese import PairClassifier, PairSampler
    >>> X, y = load_digits(return_X_y=True)
    >>> pairs, same = PairSampler(n_pairs=1000, random_state=0).fit_resample(X / 16, y)
    >>> pairs.shape
    (1000, 2, 64)
    >>> clf = PairClassifier(max_epochs=2, random_state=0).fit(pairs, same)
    >>> clf.predict_proba(pairs[:2]).shape
    (2, 2)
    """

    _prefixes = ("module__", "module_b__", "optimizer__")

    _parameter_constraints = {
        **SHARED_CONSTRAINTS,
        "head": [StrOptions({"koch", "distance", "cosine", "exp"})],
        "shared": ["boolean"],
        "n_features_a": [Count(1, None, closed="left"), None],
        "module_b": [None, *_module_constraint()],
        "calibration": [StrOptions({"sigmoid", "isotonic"})],
        "pos_label": "no_validation",
    }

    def __init__(
        self,
        module="auto",
        *,
        head="koch",
        margin=1.0,
        distance="euclidean",
        embedding_dim=64,
        normalize=True,
        shared=True,
        n_features_a=None,
        module_b=None,
        calibration="sigmoid",
        pos_label=None,
        max_epochs="auto",
        batch_size=128,
        lr=3e-3,
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
        self.head = head
        self.margin = margin
        self.distance = distance
        self.embedding_dim = embedding_dim
        self.normalize = normalize
        self.shared = shared
        self.n_features_a = n_features_a
        self.module_b = module_b
        self.calibration = calibration
        self.pos_label = pos_label
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

    # -- input ---------------------------------------------------------------

    def _split_pairs(self, X, reset):
        """Validate pairs and return the two sides as model-ready data."""
        if not reset:
            check_pair_layout(self, X)
        X = validate_numeric_data(
            self,
            X,
            accept_sparse="csr",
            allow_nd=True,
            dtype=[np.float32, np.float64],
            ensure_all_finite=False,
            reset=reset,
        )
        assert_finite(X, self)
        A, B = split_pairs(X, self.n_features_a, self.shared)
        if reset:
            self.input_shape_ = tuple(A.shape[1:])
            self.input_shape_b_ = tuple(B.shape[1:])
        return TensorData((as_tensor_data(A), as_tensor_data(B)))

    # -- fitting ---------------------------------------------------------------

    def _rebuild_net(self, device, *, valid=False, epochs=None):
        """Build and initialise ``net_`` for the fitted input shapes."""
        criterion = (
            ContrastiveLoss(self.distance, self.margin)
            if self.head == "distance"
            else _BinaryCrossEntropy()
        )
        self._initialize_net(
            self._build_module,
            criterion,
            self._batch_plan(),
            valid=valid,
            epochs=epochs,
            device=device,
        )

    def _batch_plan(self):
        return ShuffledBatches(self.batch_size)

    def _build_module(self):
        branch = self._build_branch(self.input_shape_)
        branch_b = None
        if not self.shared:
            module_b = self.module if self.module_b is None else self.module_b
            branch_b = self._build_branch(
                self.input_shape_b_, prefix="module_b", module=module_b
            )
        network = SiameseNetwork(branch, branch_b, normalize=self.normalize)
        if self.head == "koch":
            # the head's width is the embedding's: embed two samples to see
            parameter = next(branch.parameters(), None)
            device = "cpu" if parameter is None else parameter.device
            sample = torch.zeros(2, *self.input_shape_, device=device)
            branch.eval()
            with torch.no_grad():
                dim = network.embed(sample).shape[1]
            network.head = KochHead(dim, scale=dim**0.5 if self.normalize else 1.0)
        elif self.head == "cosine":
            network.head = CosineHead()
        elif self.head == "exp":
            network.head = ExpHead()
        return network

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Train on labelled pairs, then calibrate on held-out pairs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_pairs, 2, *sample_shape) \
                or (n_pairs, n_features_a + n_features_b)
            Pairs: a 3-D (or higher) array, or 2-D ``[x1 | x2]`` rows.
        y : array-like of shape (n_pairs,)
            Two labels: "same" (``pos_label``, by default ``classes_[1]``)
            and "different".

        Returns
        -------
        self : PairClassifier
            The fitted classifier.
        """
        data = self._labelled_pairs(X, y, reset=True)
        seed = int(np.random.RandomState(self._split_seed()).randint(_INT32_MAX))
        train, held = StratifiedHoldout(self.validation_fraction, seed)(data)
        if np.bincount(held.y, minlength=2).min() < 2:
            if self.early_stopping:
                min_count = StratifiedHoldout.min_count
                raise ValueError(
                    "early_stopping=True measures a validation loss on held-out "
                    f"pairs, which needs {min_count} or more pairs of each label; "
                    f"y has {np.bincount(data.y, minlength=2).min()} of one. Set "
                    "early_stopping=False, or give more pairs."
                )
            train = held = data  # too few pairs to hold out: calibrate in-sample
        epochs = self._max_epochs(-(-len(train) // self.batch_size))
        self._rebuild_net(
            None,
            valid=held if self.early_stopping and held is not train else False,
            epochs=epochs,
        )
        self._train(train, epochs)
        self.net_.train_split = None  # drop the held-out data from the model
        self._fit_calibration(self._scores(held.unlabelled(), fitting=True), held.y)
        self.set_threshold(0.5)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None):
        """Train for one more epoch on the pairs ``(X, y)``, initialising if
        needed.

        For pairs that arrive in chunks: a stream, or more pairs than fit in
        memory at once. As :meth:`SiameseEncoder.partial_fit`, it trains at
        the constant learning rate ``lr`` (also after ``fit``), with no
        held-out split and no early stopping; ``lr`` and ``batch_size`` are
        read at every call, other parameters at the next ``fit``. P(same) is
        then recalibrated on this call's pairs alone, in-sample: on small
        chunks the probabilities can be far from calibrated, so calibrate
        the threshold on held-out pairs (:meth:`calibrate_threshold`) or wrap
        the model in ``CalibratedClassifierCV`` before relying on them. A
        call whose pairs all carry one label trains but keeps the previous
        calibration; the first call needs both labels. ``threshold_`` keeps
        its probability.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_pairs, 2, *sample_shape) \
                or (n_pairs, n_features_a + n_features_b)
            Pairs, in the same layout in every call.
        y : array-like of shape (n_pairs,)
            Their labels.
        classes : array-like of shape (2,), default=None
            The two labels, "same" and "different", of all calls. ``None``
            takes them from the first call's ``y``; later calls may pass
            them again, and they must then be the same.

        Returns
        -------
        self : PairClassifier
            The classifier, trained one epoch further.
        """
        first = not self.__sklearn_is_fitted__()
        data = self._labelled_pairs(X, y, reset=first, classes=classes)
        calibrate = np.bincount(data.y, minlength=2).min() > 0
        if first and not calibrate:
            index = self._pos_index if data.y[0] else 1 - self._pos_index
            raise ValueError(
                "The first call to partial_fit needs both 'same' and "
                "'different' pairs, to calibrate P(same); y holds only pairs "
                f"labelled {self.classes_.tolist()[index]!r}."
            )
        if first:
            self._rebuild_net(None)
        else:
            self._continue_training()
        self._train(data, 1)
        if calibrate:
            self._fit_calibration(self._scores(data.unlabelled(), fitting=True), data.y)
            self.set_threshold(getattr(self, "threshold_", 0.5))
        return self

    def _labelled_pairs(self, X, y, *, reset, classes=None):
        """Validated pairs with their 0/1 "same" targets as ``y``; ``reset``
        (a new fit) forgets the fitted calibration first, so that a fit that
        fails leaves the classifier unfitted."""
        if reset:
            for name in ("calibrator_", "threshold_", "_score_threshold"):
                self.__dict__.pop(name, None)
        if reset and self.shared and self.module_b is not None:
            raise ValueError(
                "module_b gives side B its own branch; it needs shared=False."
            )
        if reset and self.shared and self._params_for("module_b"):
            names = sorted(f"module_b__{k}" for k in self._params_for("module_b"))
            raise ValueError(
                f"{', '.join(names)} configure side B's own branch, which only "
                "a pseudo-siamese network has; set shared=False, or use "
                "module__* parameters for the shared branch."
            )
        data = self._split_pairs(X, reset=reset)
        same = encode_pair_labels(self, y, classes=classes, reset=reset)
        if len(same) != len(data):
            raise ValueError(
                f"X and y have inconsistent numbers of pairs: {len(data)} and "
                f"{len(same)}."
            )
        data.y = same
        return data

    def _split_seed(self):
        return self._agreed(
            [check_random_state(self.random_state).randint(_INT32_MAX)]
        )[0]

    def _fit_calibration(self, scores, same):
        if self.calibration == "isotonic":
            self.calibrator_ = IsotonicRegression(
                y_min=0.0, y_max=1.0, out_of_bounds="clip"
            ).fit(scores, same)
            return
        calibrator = LogisticRegression(C=1e4).fit(scores[:, None], same)
        # Probabilities must grow with similarity, also for a model too
        # poor to rank pairs: then P(same) is about the base rate, with the
        # intercept that goes with the tiny slope (not the one fitted with
        # the negative slope, which could put every P(same) near 0 or 1).
        if calibrator.coef_[0, 0] < _MIN_SLOPE:
            calibrator.coef_[:] = _MIN_SLOPE
            rate = np.clip(np.mean(same), 1e-6, 1 - 1e-6)
            calibrator.intercept_[:] = logit(rate) - _MIN_SLOPE * np.mean(scores)
        self.calibrator_ = calibrator

    # -- scores ----------------------------------------------------------------

    def _scores(self, data, *, fitting=False):
        """Similarity of each pair (higher = more similar), rounded to
        float32 (and stored as float64): from float64 pairs, computed in
        float64 (see ``_forward``), so that a pair's score does not depend,
        bit for bit, on the pairs that share its batch."""
        out = self._forward(data)
        if isinstance(out, tuple):
            out = -get_distance(self.distance).paired(*out)
        scores = out.float().double().numpy()
        check_finite_output(scores, self, fitting=fitting, rows="pairs")
        return scores

    def _pair_scores(self, X):
        """Scores of the pairs ``X`` given to a fitted classifier."""
        check_is_fitted(self)
        return self._scores(self._split_pairs(X, reset=False))

    def _proba_same(self, scores):
        if isinstance(self.calibrator_, IsotonicRegression):
            return self.calibrator_.predict(scores)
        a, b = self.calibrator_.coef_[0, 0], self.calibrator_.intercept_[0]
        return expit(a * scores + b)

    def _score_for_proba(self, p):
        """The score cut above which the calibrated P(same) exceeds ``p``:
        the highest score whose P(same) is at most ``p``."""
        if isinstance(self.calibrator_, IsotonicRegression):
            # P(same) rises piecewise linearly through the points (xs, ys),
            # flat beyond them and on equal ys.
            xs = self.calibrator_.X_thresholds_
            ys = self.calibrator_.y_thresholds_
            i = np.searchsorted(ys, p, side="right")
            if i == 0:
                return -np.inf  # every P(same) exceeds p
            if i == len(ys):
                return np.inf  # none does
            frac = (p - ys[i - 1]) / (ys[i] - ys[i - 1])
            return xs[i - 1] + frac * (xs[i] - xs[i - 1])
        # P(same) = expit(a * score + b) > p for every score when p = 0,
        # for none when p = 1: logit gives -inf and inf there
        a, b = self.calibrator_.coef_[0, 0], self.calibrator_.intercept_[0]
        return (logit(p) - b) / a

    def decision_function(self, X):
        """Similarity scores, shifted so that 0 is the decision threshold.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_pairs, 2, *sample_shape) \
                or (n_pairs, n_features)
            Pairs, in the layout used in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_pairs,)
            Positive values predict ``classes_[1]``. With the default
            ``pos_label``, higher means more similar.
        """
        scores = self._pair_scores(X)
        positive = self._same(scores) == (self._pos_index == 1)
        margin = self._decision(scores) * (1 if self._pos_index == 1 else -1)
        # the sign is the prediction's; the value is the score's distance from
        # the cut, so that decisions keep the order of the scores
        return np.where(
            positive, np.maximum(margin, np.nextafter(0.0, 1.0)), np.minimum(margin, 0)
        )

    def _same(self, scores):
        """The prediction "same" for each pair: the one comparison that
        ``predict`` and ``decision_function`` share."""
        return self._proba_same(scores) > self.threshold_

    def _decision(self, scores):
        """Scores shifted by the cut: positive for "same"."""
        cut = self._score_threshold
        if np.isfinite(cut):
            return scores - cut
        # A P(same) that never exceeds the threshold (or always does): all
        # negative (positive), still in the order of the scores.
        if isinstance(self.calibrator_, IsotonicRegression):
            low, high = self.calibrator_.X_thresholds_[[0, -1]]
            z = scores - (high if cut > 0 else low)
        else:
            z = self.calibrator_.coef_[0, 0] * scores + self.calibrator_.intercept_[0]
        return -_positive(-z) if cut > 0 else _positive(z)

    def predict_proba(self, X):
        """Calibrated probabilities of the two labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_pairs, 2, *sample_shape) \
                or (n_pairs, n_features)
            Pairs, in the layout used in ``fit``.

        Returns
        -------
        proba : ndarray of shape (n_pairs, 2)
            Columns in ``classes_`` order; the ``pos_label_`` column is
            P(same).
        """
        p = self._proba_same(self._pair_scores(X))
        proba = np.column_stack([1 - p, p])
        return proba if self._pos_index == 1 else proba[:, ::-1]

    def predict(self, X):
        """Predict "same" or "different" for each pair.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_pairs, 2, *sample_shape) \
                or (n_pairs, n_features)
            Pairs, in the layout used in ``fit``.

        Returns
        -------
        y_pred : ndarray of shape (n_pairs,)
            Labels from ``classes_``: ``pos_label_`` where P(same) exceeds
            ``threshold_``.
        """
        same = self._same(self._pair_scores(X))
        return self.classes_[np.where(same, self._pos_index, 1 - self._pos_index)]

    def embed(self, X, *, side="a"):
        """Embed single samples through the branch of one side.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, *sample_shape)
            Samples shaped like one side of the training pairs.
        side : {"a", "b"}, default="a"
            Which branch; they differ only when ``shared=False``.

        Returns
        -------
        embeddings : ndarray of shape (n_samples, n_dims), dtype float32
        """
        check_is_fitted(self)
        if side not in ("a", "b"):
            raise ValueError(f"side must be 'a' or 'b'; got {side!r}.")
        shape = self.input_shape_ if side == "a" else self.input_shape_b_
        X = check_array(
            X, accept_sparse="csr", allow_nd=True, dtype=[np.float32, np.float64]
        )
        if tuple(X.shape[1:]) != shape:
            raise ValueError(
                f"X has samples of shape {X.shape[1:]}, but side {side!r} of the "
                f"PairClassifier was fitted on samples of shape {shape}."
            )
        second = side == "b"
        embeddings = self._forward(TensorData(as_tensor_data(X)), second=second)
        embeddings = embeddings.float().numpy()
        check_finite_output(embeddings, self, fitting=False)
        return embeddings

    # -- thresholds ------------------------------------------------------------

    def set_threshold(self, threshold):
        """Predict "same" when the calibrated P(same) exceeds ``threshold``.

        :meth:`predict` compares each pair's P(same), as
        :meth:`predict_proba` gives it, with ``threshold``: one comparison,
        so the two agree for every pair, ties included. A threshold below
        every calibrated P(same) (0, or with isotonic calibration any value
        under its lowest step) predicts every pair "same" but those whose
        P(same) rounds to 0, one at or above them all (1) predicts none.
        The sign of :meth:`decision_function` is the prediction; its size
        is the score's distance from the cut (the highest score whose
        P(same) is at most ``threshold``), so decisions keep the order of
        the scores.

        Parameters
        ----------
        threshold : float in [0, 1]

        Returns
        -------
        self : PairClassifier
        """
        check_is_fitted(self)
        if (
            not isinstance(threshold, Real)
            or isinstance(threshold, (bool, np.bool_))
            or not 0 <= threshold <= 1
        ):
            raise ValueError(f"threshold must be in [0, 1]; got {threshold!r}.")
        self.threshold_ = float(threshold)
        self._score_threshold = float(self._score_for_proba(self.threshold_))
        return self

    def calibrate_threshold(
        self, X, y, *, strategy="accuracy", beta=1.0, min_rate=None
    ):
        """Choose ``threshold_`` on labelled pairs.

        The strategies of metric-learn's ``calibrate_threshold``: the best
        split of the pairs, ranked by P(same), into "same" and "different",
        among the splits that a threshold on P(same) can make (isotonic
        calibration is flat in steps: pairs of equal P(same) stay on one
        side). ``threshold_`` is set halfway between the P(same) on either
        side of the split, as :meth:`set_threshold` would, so that
        ``partial_fit`` keeps the same rule.

        Parameters
        ----------
        X : {array-like, sparse matrix}
            Pairs, in the layout used in ``fit``.
        y : array-like of shape (n_pairs,)
            Their labels.
        strategy : {"accuracy", "f_beta", "max_tpr", "max_tnr"}, default="accuracy"
            Maximise accuracy; the F-beta score of "same"; the true positive
            rate subject to a true negative rate of at least ``min_rate``;
            or the true negative rate subject to a true positive rate of at
            least ``min_rate``.
        beta : float, default=1.0
            Beta of the F-beta score.
        min_rate : float in [0, 1], default=None
            Required for ``"max_tpr"`` and ``"max_tnr"``.

        Returns
        -------
        self : PairClassifier
        """
        check_is_fitted(self)
        if strategy not in ("accuracy", "f_beta", "max_tpr", "max_tnr"):
            raise ValueError(
                f"strategy={strategy!r} is not supported; use 'accuracy', "
                "'f_beta', 'max_tpr' or 'max_tnr'."
            )
        if strategy in ("max_tpr", "max_tnr") and (
            min_rate is None or not 0 <= min_rate <= 1
        ):
            raise ValueError(
                f"strategy={strategy!r} needs min_rate in [0, 1]; got {min_rate!r}."
            )
        scores = self._pair_scores(X)
        same = encode_pair_labels(self, y, reset=False).astype(bool)
        if len(same) != len(scores):
            raise ValueError(
                f"X and y have inconsistent numbers of pairs: {len(scores)} and "
                f"{len(same)}."
            )
        order = np.argsort(-scores, kind="stable")
        p, t = self._proba_same(scores[order]), same[order]
        # Cut k: the k pairs of highest P(same) are predicted "same".
        tp = np.concatenate([[0], np.cumsum(t)])
        fp = np.concatenate([[0], np.cumsum(~t)])
        n_pos, n_neg = tp[-1], fp[-1]
        tn, fn = n_neg - fp, n_pos - tp
        with np.errstate(divide="ignore", invalid="ignore"):
            tpr = tp / max(n_pos, 1)
            tnr = tn / max(n_neg, 1)
            if strategy == "accuracy":
                objective = (tp + tn) / len(t)
            elif strategy == "f_beta":
                b2 = beta**2
                objective = np.nan_to_num(
                    (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp)
                )
            elif strategy == "max_tpr":
                objective = np.where(tnr >= min_rate, tpr, -1.0)
            else:
                objective = np.where(tpr >= min_rate, tnr, -1.0)
        # Only the cuts that a threshold on P(same) makes: between pairs of
        # different P(same) (isotonic calibration is flat in steps), and
        # "all same" only when every P(same) exceeds 0. The threshold lies
        # halfway between the P(same) on either side of the cut.
        valid = np.concatenate([[True], p[:-1] > p[1:], [p[-1] > 0]])
        if strategy in ("max_tpr", "max_tnr") and not np.any(objective[valid] >= 0):
            if strategy == "max_tpr":
                rate, floor = tnr, "true negative"
            else:
                rate, floor = tpr, "true positive"
            raise ValueError(
                f"No threshold on P(same) gives these pairs a {floor} rate of "
                f"at least min_rate={min_rate!r} (pairs of equal P(same) fall "
                f"on one side); the highest reachable is "
                f"{rate[valid].max():.4g}. Lower min_rate."
            )
        k = int(np.argmax(np.where(valid, objective, -np.inf)))
        above = p[k - 1] if k > 0 else 1.0
        below = p[k] if k < len(p) else 0.0
        return self.set_threshold(float((above + below) / 2))

    def __sklearn_is_fitted__(self):
        # Fitted once calibrated: the last step of fit and partial_fit.
        return hasattr(self, "calibrator_")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        tags.input_tags.sparse = True
        tags.input_tags.three_d_array = True
        return tags
