"""Balanced pairs and triplets drawn, by index, from labelled samples.

The functions :func:`make_pair_indices` and :func:`make_triplet_indices` are the
vectorized core: they return *row indices* into the data, never copies of it,
so an estimator can draw fresh pairs every epoch and gather each batch on the
fly. :class:`PairSampler` and :class:`TripletSampler` wrap them in the
imbalanced-learn sampler protocol (``fit_resample(X, y)``) so that pairs can be
built inside an ``imblearn.pipeline.Pipeline``; the batch plans draw the
training batches of the estimators from them, one epoch at a time.
"""

# SPDX-License-Identifier: BSD-3-Clause

from dataclasses import dataclass, fields
from math import ceil

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils import InputTags, Tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from ._checks import validate_numeric_data
from ._compat import (
    Amount,
    Count,
    StrOptions,
    _check_feature_names_in,
    _fit_context,
)
from ._indices import (
    _adjacent_pairs,
    _check_random_state,
    _draw_pairs,
    _draw_triplets,
    _encode_labels,
    _mine_hard_negatives,
    make_pair_indices,
    make_triplet_indices,
)

__all__ = [
    "PairSampler",
    "TripletSampler",
    "make_pair_indices",
    "make_triplet_indices",
]


def _gather(X, indices, *, layout="3d"):
    """Gather rows of ``X`` for an index array, without a Python loop.

    Parameters
    ----------
    X : ndarray of shape (n_samples, *sample_shape) or sparse matrix
        Samples. Sparse input must support row indexing (CSR is fastest).

    indices : ndarray of int of shape (n,) or (n, k)
        Row indices; ``k`` is 2 for pairs and 3 for triplets.

    layout : {"3d", "2d"}, default="3d"
        For 2-D ``indices``: ``"3d"`` returns shape ``(n, k, *sample_shape)``;
        ``"2d"`` concatenates the ``k`` rows side by side into shape
        ``(n, k * n_features)`` (``X`` must then be 2-D). Ignored for 1-D
        ``indices``, which return ``X[indices]``.

    Returns
    -------
    gathered : ndarray or sparse matrix
        Dense output is a fresh C-contiguous array of ``X``'s dtype; sparse
        output is CSR (only with 1-D ``indices`` or ``layout="2d"``).
    """
    indices = np.asarray(indices)
    if sp.issparse(X):
        if indices.ndim == 1:
            return X[indices]
        if layout != "2d":
            raise TypeError(
                "Sparse X cannot be stacked into a 3-D array of pairs or "
                "triplets; use layout='2d' (rows [x1 | x2], which stay sparse) "
                "or densify X with X.toarray()."
            )
        blocks = [X[indices[:, k]] for k in range(indices.shape[1])]
        return sp.hstack(blocks, format="csr", dtype=X.dtype)

    X = np.asarray(X)
    # One flat gather into a fresh contiguous array; the reshapes are free.
    gathered = np.take(X, indices.reshape(-1), axis=0)
    if indices.ndim == 1:
        return gathered
    if layout == "2d":
        if X.ndim != 2:
            raise ValueError(
                "layout='2d' needs 2-D X of shape (n_samples, n_features); got "
                f"X with shape {X.shape}. Use layout='3d' for images, or "
                "reshape X to 2-D first."
            )
        return gathered.reshape(indices.shape[0], -1)
    return gathered.reshape(indices.shape + X.shape[1:])


# ---------------------------------------------------------------------------
# Samplers
# ---------------------------------------------------------------------------


@dataclass(slots=True)
class _SamplerTags:
    """Sampler tags, field for field as imbalanced-learn declares them."""

    sample_indices: bool = False


@dataclass(slots=True)
class _InputTags(InputTags):
    """scikit-learn's input tags plus imbalanced-learn's ``dataframe`` field."""

    dataframe: bool = False


@dataclass(slots=True)
class _Tags(Tags):
    """scikit-learn's tags plus ``sampler_tags``, as imbalanced-learn reads them.

    imbalanced-learn is not a dependency; carrying the same field lets its
    ``is_sampler`` and its sampler checks recognise our samplers.
    """

    sampler_tags: _SamplerTags | None = None


def _sampler_tags(base, *, layout):
    tags = _Tags(
        **{field.name: getattr(base, field.name) for field in fields(base)},
        sampler_tags=_SamplerTags(sample_indices=False),
    )
    tags.input_tags = _InputTags(
        **{
            field.name: getattr(base.input_tags, field.name)
            for field in fields(base.input_tags)
        },
        dataframe=True,
    )
    tags.estimator_type = "sampler"
    tags.target_tags.required = True
    tags.input_tags.two_d_array = True
    tags.input_tags.three_d_array = layout == "3d"
    tags.input_tags.sparse = layout == "2d"
    return tags


def _layout_is_2d(sampler):
    return sampler.layout == "2d"


class _BaseSampler(BaseEstimator):
    """Checks and plumbing shared by :class:`PairSampler` and :class:`TripletSampler`.

    A subclass names its count parameter (``_count_param``) and the prefixes
    of its output columns (``_feature_prefixes``), draws the row indices in
    ``_draw`` and builds the output from them in ``_resample``.
    """

    # imbalanced-learn's ``is_sampler`` looks for this attribute.
    _estimator_type = "sampler"

    def _fit(self, X, y):
        X, y = self._check_inputs(X, y)
        classes, y_encoded, counts = _encode_labels(y)
        rng = _check_random_state(self.random_state)
        self._draw(X, classes, y_encoded, counts, rng)
        return X, y

    def _check_inputs(self, X, y):
        if sp.issparse(X) and self.layout == "3d":
            raise TypeError(
                f"{type(self).__name__}(layout='3d') cannot stack sparse rows "
                "into a 3-D array; pass layout='2d' for sparse X (the "
                "concatenated rows stay sparse) or densify X with X.toarray()."
            )
        X, y = validate_numeric_data(
            self,
            X,
            y,
            accept_sparse="csr",
            allow_nd=True,
            dtype="numeric",
            ensure_min_samples=2,
        )
        if self.layout == "2d" and X.ndim != 2:
            raise ValueError(
                f"{type(self).__name__}(layout='2d') needs 2-D X of shape "
                f"(n_samples, n_features); got X with shape {X.shape}. Use "
                "layout='3d' for images, or reshape X to 2-D first."
            )
        # (missing labels are refused by then: NaN by validate_data, None
        # and NA in object labels by validate_numeric_data)
        check_classification_targets(y)
        return X, y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Check the input and draw the pairs or triplets, without building them.

        Use :meth:`fit_resample` to get the pairs or triplets themselves;
        ``fit`` only stores their indices in ``pair_indices_`` or
        ``triplet_indices_``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, *sample_shape)
            Samples: 2-D tabular data, 3-D ``(n, H, W)`` or 4-D
            ``(n, C, H, W)`` images. Sparse input needs ``layout="2d"``.

        y : array-like of shape (n_samples,)
            Class labels, as a scikit-learn classifier takes them: ints,
            strings, whole-number floats (continuous values are refused;
            :func:`make_pair_indices` groups any values).

        Returns
        -------
        self : object
            The fitted sampler.
        """
        self._fit(X, y)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit_resample(self, X, y):
        """Draw pairs or triplets and return them with their labels.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, *sample_shape)
            Samples: 2-D tabular data, 3-D ``(n, H, W)`` or 4-D
            ``(n, C, H, W)`` images. Sparse input needs ``layout="2d"``.

        y : array-like of shape (n_samples,)
            Class labels, as a scikit-learn classifier takes them: ints,
            strings, whole-number floats (continuous values are refused;
            :func:`make_pair_indices` groups any values).

        Returns
        -------
        X_resampled : ndarray of shape (n_out, k, *sample_shape) or \
                {ndarray, sparse matrix} of shape (n_out, k * n_features)
            The ``n_out`` pairs (``k = 2``) of :class:`PairSampler` or
            triplets (``k = 3``: anchor, positive, negative) of
            :class:`TripletSampler`, laid out as ``layout`` says, in ``X``'s
            dtype.

        y_resampled : ndarray of shape (n_out,)
            For pairs (dtype int64), 1 where both members share a class, 0
            otherwise; for triplets, the class label of each anchor (also
            the positive's), taken from ``y``.
        """
        X, y = self._fit(X, y)
        return self._resample(X, y)

    @available_if(_layout_is_2d)
    def get_feature_names_out(self, input_features=None):
        """Names of the output columns, for ``layout="2d"`` only.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names. If None, ``feature_names_in_`` is used when
            defined, else ``["x0", "x1", ...]``.

        Returns
        -------
        feature_names_out : ndarray of str objects
            For pairs (``[x1 | x2]``), ``x1__<name>`` for every input
            feature, then ``x2__<name>``; for triplets
            (``[anchor | positive | negative]``), ``anchor__<name>``, then
            ``positive__<name>``, then ``negative__<name>``.
        """
        check_is_fitted(self, "n_features_in_")
        names = _check_feature_names_in(self, input_features)
        prefixes = self._feature_prefixes
        return np.asarray(
            [f"{prefix}__{name}" for prefix in prefixes for name in names],
            dtype=object,
        )

    def __sklearn_tags__(self):
        return _sampler_tags(super().__sklearn_tags__(), layout=self.layout)


class PairSampler(_BaseSampler):
    """Build balanced same-class / different-class pairs of samples.

    ``fit_resample(X, y)`` turns labelled samples into labelled pairs: the
    imbalanced-learn sampler protocol, so the sampler can be the first step
    of an ``imblearn.pipeline.Pipeline`` (which applies it while fitting only)
    in front of any binary classifier of pairs. The pairs are drawn by index
    (:func:`~sklearn_siamese.sampling.make_pair_indices`); only the final
    output gathers the data.

    Parameters
    ----------
    n_pairs : int or "auto", default="auto"
        Number of pairs. With ``strategy="random"``, ``"auto"`` draws
        ``2 * n_samples`` pairs, so that each sample takes part in about four
        pairs. With ``strategy="adjacent"``, ``"auto"`` keeps all
        ``2 * n_classes * (min class count - 1)`` pairs of the scheme; an int
        keeps ``ceil(n_pairs / 2)`` of its (same, different) pair couples
        drawn at random, in the scheme's order, cut to ``n_pairs`` pairs, and
        more pairs than the scheme has raise a ``ValueError``.

    pos_fraction : float, default=0.5
        Fraction of same-class pairs (``round(pos_fraction * n_pairs)``,
        halves up), in ``[0, 1]``. ``strategy="adjacent"`` always builds as
        many same-class as different-class pairs, so any other value raises
        a ``ValueError`` there.

    strategy : {"random", "adjacent"}, default="random"
        How pairs are drawn.

        - ``"random"``: :func:`~sklearn_siamese.sampling.make_pair_indices`;
          same-class pairs spread
          evenly over the classes with at least 2 samples, different-class
          pairs over all classes, in random order. Handles imbalanced classes
          and single-sample classes.
        - ``"adjacent"``: the scheme of the Keras MNIST siamese example
          (``create_pairs``): for each class in sorted order and each position
          ``i`` below ``min class count - 1``, sample ``i`` of the class with
          sample ``i + 1`` (label 1), then sample ``i`` with sample ``i`` of a
          random other class (label 0), interleaved in that order. Every class
          needs at least 2 samples.

    layout : {"3d", "2d"}, default="3d"
        Shape of the returned pairs.

        - ``"3d"``: ``(n_pairs, 2, *sample_shape)``, the metric-learn
          convention; ``X`` may be 2-D tabular data or 3-D/4-D images.
        - ``"2d"``: rows ``[x1 | x2]`` of shape ``(n_pairs, 2 * n_features)``
          for 2-D ``X``, which any scikit-learn classifier accepts. Sparse
          ``X`` stays sparse (CSR).

    random_state : int, RandomState instance, numpy Generator or None, \
            default=None
        Seeds the draw of the pairs. Pass an int for the same pairs on every
        call.

    Attributes
    ----------
    pair_indices_ : ndarray of shape (n_pairs, 2), dtype=intp
        Row indices into ``X`` of the two members of each pair.

    pair_labels_ : ndarray of shape (n_pairs,), dtype=int64
        1 where both members share a class, 0 otherwise.

    n_features_in_ : int
        Number of features seen during :term:`fit` (``X.shape[1]``).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn_siamese.sampling.make_pair_indices : The vectorized pair drawing
        used here.
    TripletSampler : Anchor, positive and negative triplets.

    Notes
    -----
    The output is always a numpy array (or a CSR matrix), also for pandas
    input: a pair is not a row of the input table. With ``layout="2d"``,
    :meth:`get_feature_names_out` names the columns ``x1__<feature>`` and
    ``x2__<feature>``.

    In a pipeline the sampler runs at fit time only; ``predict`` and
    ``score`` of the pipeline then expect pairs, laid out as the sampler
    lays them out.

    References
    ----------
    .. [1] R. Hadsell, S. Chopra and Y. LeCun, "Dimensionality Reduction by
       Learning an Invariant Mapping", CVPR 2006.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_siamese.sampling import PairSampler
    >>> X = np.arange(12, dtype=np.float32).reshape(6, 2)
    >>> y = np.array(["a", "a", "a", "b", "b", "c"])
    >>> X_pairs, y_pairs = PairSampler(random_state=0).fit_resample(X, y)
    >>> X_pairs.shape, y_pairs.shape, int(y_pairs.sum())
    ((12, 2, 2), (12,), 6)
    >>> sampler = PairSampler(n_pairs=4, layout="2d", random_state=0)
    >>> X_rows, y_rows = sampler.fit_resample(X, y)
    >>> X_rows.shape
    (4, 4)
    >>> sampler.get_feature_names_out().tolist()
    ['x1__x0', 'x1__x1', 'x2__x0', 'x2__x1']
    """

    _count_param = "n_pairs"
    _feature_prefixes = ("x1", "x2")

    _parameter_constraints: dict = {
        "n_pairs": [Count(1, None, closed="left"), StrOptions({"auto"})],
        "pos_fraction": [Amount(0, 1, closed="both")],
        "strategy": [StrOptions({"random", "adjacent"})],
        "layout": [StrOptions({"3d", "2d"})],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        n_pairs="auto",
        *,
        pos_fraction=0.5,
        strategy="random",
        layout="3d",
        random_state=None,
    ):
        self.n_pairs = n_pairs
        self.pos_fraction = pos_fraction
        self.strategy = strategy
        self.layout = layout
        self.random_state = random_state

    def _draw(self, X, classes, y_encoded, counts, rng):
        if self.strategy == "adjacent":
            if self.pos_fraction != 0.5:
                raise ValueError(
                    f"pos_fraction={self.pos_fraction!r} has no effect with "
                    "strategy='adjacent', which builds one same-class and one "
                    "different-class pair per sample position; use "
                    "strategy='random' or leave pos_fraction=0.5."
                )
            pair_indices, pair_labels = _adjacent_pairs(y_encoded, counts, classes, rng)
            n_units = pair_indices.shape[0] // 2
            if self.n_pairs != "auto" and self.n_pairs != 2 * n_units:
                if self.n_pairs > 2 * n_units:
                    raise ValueError(
                        f"n_pairs ({self.n_pairs}) cannot be greater than the "
                        f"{2 * n_units} pairs strategy='adjacent' builds from "
                        "this y (2 * n_classes * (smallest class count - 1)); "
                        "use n_pairs='auto' or strategy='random'."
                    )
                keep = np.sort(rng.permutation(n_units)[: ceil(self.n_pairs / 2)])
                pair_indices = pair_indices.reshape(n_units, 2, 2)[keep]
                pair_indices = pair_indices.reshape(-1, 2)[: self.n_pairs]
                pair_labels = pair_labels[: self.n_pairs]
        else:
            n_pairs = 2 * X.shape[0] if self.n_pairs == "auto" else int(self.n_pairs)
            pair_indices, pair_labels = _draw_pairs(
                y_encoded, counts, n_pairs, float(self.pos_fraction), rng
            )

        self.pair_indices_ = pair_indices
        self.pair_labels_ = pair_labels

    def _resample(self, X, y):
        X_pairs = _gather(X, self.pair_indices_, layout=self.layout)
        return X_pairs, self.pair_labels_.copy()


class TripletSampler(_BaseSampler):
    """Build (anchor, positive, negative) triplets of samples.

    ``fit_resample(X, y)`` follows the imbalanced-learn sampler protocol and
    returns the triplets with the anchor's class label. The triplets are
    drawn by index (:func:`~sklearn_siamese.sampling.make_triplet_indices`):
    anchors spread evenly over
    the classes with at least 2 samples, the positive another sample of the
    anchor's class, the negative a sample of another class. With
    ``strategy="hard"`` the negative is mined: the nearest to the anchor, in
    the features of ``X``, of ``n_candidates`` negatives drawn that way
    (hard-negative mining on the input, e.g. after a scaler or a first
    encoder in a pipeline; :class:`~sklearn_siamese.SiameseEncoder` mines in
    its own embedding space during training with ``loss="triplet"``).

    Parameters
    ----------
    n_triplets : int or "auto", default="auto"
        Number of triplets. ``"auto"`` draws ``n_samples`` triplets, so that
        each sample takes part in about three.

    layout : {"3d", "2d"}, default="3d"
        Shape of the returned triplets: ``"3d"`` gives
        ``(n_triplets, 3, *sample_shape)``; ``"2d"`` gives rows
        ``[anchor | positive | negative]`` of shape
        ``(n_triplets, 3 * n_features)`` for 2-D ``X`` (sparse ``X`` stays
        sparse).

    strategy : {"random", "hard"}, default="random"
        ``"random"``: a uniformly drawn negative. ``"hard"``: the nearest to
        the anchor (squared Euclidean distance between the rows of ``X``,
        images flattened) of ``n_candidates`` random negatives.

    n_candidates : int, default=10
        Negatives compared per triplet with ``strategy="hard"``; more give
        harder negatives (1 is ``"random"``). Memory grows as
        ``n_triplets * n_candidates`` (the features of dense ``X`` are
        compared a chunk of triplets at a time).

    random_state : int, RandomState instance, numpy Generator or None, \
            default=None
        Seeds the draw of the triplets. Pass an int for the same triplets on
        every call.

    Attributes
    ----------
    triplet_indices_ : ndarray of shape (n_triplets, 3), dtype=intp
        Row indices into ``X`` of anchor, positive and negative.

    n_features_in_ : int
        Number of features seen during :term:`fit` (``X.shape[1]``).

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during :term:`fit`. Defined only when `X`
        has feature names that are all strings.

    See Also
    --------
    sklearn_siamese.sampling.make_triplet_indices : The vectorized triplet
        drawing used here.
    PairSampler : Same-class and different-class pairs.

    References
    ----------
    .. [1] F. Schroff, D. Kalenichenko and J. Philbin, "FaceNet: A Unified
       Embedding for Face Recognition and Clustering", CVPR 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_siamese.sampling import TripletSampler
    >>> X = np.arange(12, dtype=np.float32).reshape(6, 2)
    >>> y = np.array([0, 0, 0, 1, 1, 2])
    >>> X_triplets, y_anchor = TripletSampler(random_state=0).fit_resample(X, y)
    >>> X_triplets.shape, y_anchor.shape
    ((6, 3, 2), (6,))
    >>> sorted(set(y_anchor.tolist()))  # class 2 has no positive to offer
    [0, 1]
    """

    _count_param = "n_triplets"
    _feature_prefixes = ("anchor", "positive", "negative")

    _parameter_constraints: dict = {
        "n_triplets": [
            Count(1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "layout": [StrOptions({"3d", "2d"})],
        "strategy": [StrOptions({"random", "hard"})],
        "n_candidates": [Count(1, None, closed="left")],
        "random_state": ["random_state", np.random.Generator],
    }

    def __init__(
        self,
        n_triplets="auto",
        *,
        layout="3d",
        strategy="random",
        n_candidates=10,
        random_state=None,
    ):
        self.n_triplets = n_triplets
        self.layout = layout
        self.strategy = strategy
        self.n_candidates = n_candidates
        self.random_state = random_state

    def _draw(self, X, classes, y_encoded, counts, rng):
        n_triplets = X.shape[0] if self.n_triplets == "auto" else int(self.n_triplets)
        triplets = _draw_triplets(y_encoded, counts, n_triplets, rng)
        if self.strategy == "hard" and self.n_candidates > 1:
            triplets = _mine_hard_negatives(
                X, triplets, y_encoded, counts, self.n_candidates, rng
            )
        self.triplet_indices_ = triplets

    def _resample(self, X, y):
        X_triplets = _gather(X, self.triplet_indices_, layout=self.layout)
        return X_triplets, y[self.triplet_indices_[:, 0]]


# --------------------------------------------------------------------------
# Batch plans: which rows make each training batch of one epoch.
# Each plan is a picklable callable ``plan(y, rng) -> iterator of
# (index, target)``; one call is one epoch, so batches are fresh every epoch.


class ClassBalancedBatches:
    """``P`` classes times ``K`` samples per batch, for in-batch losses.

    ``P = batch_size // K``, so a batch has at most ``batch_size`` rows;
    with fewer than ``P`` classes a batch holds every class, with
    ``batch_size // n_classes`` samples each.

    Classes with at least two samples are visited in random order, each
    equally often; within a class, samples are taken in a random cyclic
    order, so every sample is used about equally often. An epoch has about
    as many rows as the classes of two or more samples hold, and at least
    one batch. A class with fewer than ``K`` samples gives each of them
    once (no row appears twice in a batch: a row with its own copy would
    be a free same-class pair), so such batches are a little smaller; when
    every class is smaller than ``K``, ``K`` is the largest class size and
    more classes fill the batch.
    Targets are the class codes of the rows.
    """

    def __init__(self, batch_size, samples_per_class):
        self.batch_size = batch_size
        self.samples_per_class = samples_per_class

    def _layout(self, counts):
        """``(eligible classes, P, K, batches per epoch)`` for class sizes
        ``counts``."""
        eligible = np.flatnonzero(counts >= 2)
        n_classes = len(eligible)
        # P = batch_size // K classes of K samples (a batch of P * K rows,
        # at most batch_size); with fewer classes, all of them, each with
        # as many samples as fill the batch
        k = min(self.samples_per_class, self.batch_size // 2)
        k = min(k, counts[eligible].max())  # classes all smaller: P grows
        p = max(2, self.batch_size // k)
        if p > n_classes:
            p = n_classes
            k = max(2, self.batch_size // p)
        # A class of fewer than k samples gives each of them once (a row
        # twice in a batch would be a same-class pair at distance 0). An
        # epoch has about as many rows as the eligible classes hold.
        taken = np.minimum(k, counts[eligible])
        n_usable = counts[eligible].sum()
        n_batches = max(1, round(n_usable * n_classes / (p * taken.sum())))
        return eligible, p, k, n_batches

    def n_batches(self, y):
        """Batches per epoch for the class codes ``y``."""
        return self._layout(np.bincount(y))[3]

    def __call__(self, y, rng):
        n = len(y)
        counts = np.bincount(y)
        eligible, p, k, n_batches = self._layout(counts)
        n_classes = len(eligible)
        # Class sequence: concatenated random permutations of the classes.
        n_slots = n_batches * p
        reps = -(-n_slots // n_classes)
        perms = np.argsort(rng.random((reps, n_classes)), axis=1)
        if n_classes % p:
            _distinct_across_joins(perms, p)
        classes = eligible[perms.ravel()[:n_slots]]
        # The j-th visit of a class takes its members j*k ... j*k + k - 1 in a
        # per-epoch random cyclic order.
        visit_order = np.argsort(classes, kind="stable")
        first_visit = np.searchsorted(classes[visit_order], classes[visit_order])
        visit = np.empty(n_slots, dtype=np.intp)
        visit[visit_order] = np.arange(n_slots) - first_visit
        shuffled = rng.permutation(n)
        members = shuffled[np.argsort(y[shuffled], kind="stable")]
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        sizes = counts[classes][:, None]
        offset = (visit[:, None] * k + np.arange(k)) % sizes
        index = members[starts[classes][:, None] + offset].reshape(n_batches, p * k)
        keep = (np.arange(k) < sizes).reshape(n_batches, p * k)
        for batch, rows in zip(index, keep):
            batch = batch[rows]
            yield batch, y[batch]


def _distinct_across_joins(perms, p):
    """Reorder the rows of ``perms`` (permutations of the classes, visited
    in sequence ``p`` at a time) so that a batch that takes the end of one
    row and the start of the next holds ``p`` distinct classes; every row
    stays a permutation, so visits stay balanced."""
    flat = perms.reshape(-1)
    n_classes = perms.shape[1]
    for row in range(1, len(perms)):
        start = row * n_classes
        fill = -start % p  # slots of the straddling batch taken from this row
        if not fill:
            continue
        clash = np.isin(perms[row], flat[start - (p - fill) : start])
        if clash[:fill].any():
            first = np.flatnonzero(~clash)[:fill]
            rest = np.ones(n_classes, dtype=bool)
            rest[first] = False
            perms[row] = np.concatenate([perms[row, first], perms[row, rest]])


class RandomPairBatches:
    """Isolated random pairs, half same-class, ``batch_size // 2`` per batch.

    Pairs come from :func:`~sklearn_siamese.sampling.make_pair_indices`; an
    epoch has ``len(y) // 2`` pairs, so it embeds about ``len(y)`` samples.
    Targets are 1 for same-class pairs and 0 otherwise.
    """

    def __init__(self, batch_size, pos_fraction=0.5):
        self.batch_size = batch_size
        self.pos_fraction = pos_fraction

    def __call__(self, y, rng):
        n_pairs = max(1, len(y) // 2)
        pairs, labels = make_pair_indices(
            y, n_pairs, pos_fraction=self.pos_fraction, random_state=_draw_seed(rng)
        )
        labels = labels.astype(np.float32)
        step = max(1, self.batch_size // 2)
        for start in range(0, n_pairs, step):
            yield pairs[start : start + step], labels[start : start + step]


class RandomTripletBatches:
    """Isolated random triplets, ``batch_size // 3`` per batch.

    Triplets come from :func:`~sklearn_siamese.sampling.make_triplet_indices`;
    an epoch has ``len(y) // 3`` triplets. There is no target.
    """

    def __init__(self, batch_size):
        self.batch_size = batch_size

    def __call__(self, y, rng):
        n = max(1, len(y) // 3)
        triplets = make_triplet_indices(y, n, random_state=_draw_seed(rng))
        step = max(1, self.batch_size // 3)
        for start in range(0, n, step):
            yield triplets[start : start + step], None


class ShuffledBatches:
    """Rows in a random order, ``batch_size`` per batch, with their targets.

    For data that already are pairs (``PairClassifier``). A last batch of a
    single row joins the batch before it: the branch of each side of a
    pseudo-siamese network would see one sample, which batch normalisation
    cannot train on.
    """

    def __init__(self, batch_size):
        self.batch_size = batch_size

    def __call__(self, y, rng):
        order = rng.permutation(len(y))
        starts = list(range(0, len(y), self.batch_size))
        if len(starts) > 1 and len(y) - starts[-1] == 1:
            starts.pop()
        for start, stop in zip(starts, [*starts[1:], len(y)]):
            batch = order[start:stop]
            yield batch, y[batch]


def _draw_seed(rng):
    return int(rng.integers(np.iinfo(np.int32).max))
