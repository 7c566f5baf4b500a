"""Plots of training curves and embeddings. matplotlib is imported lazily."""

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._response import final_estimator

__all__ = ["plot_embedding", "plot_history"]

# Per-epoch History entries that are bookkeeping, not losses or scores.
_NOT_SCORES = {"epoch", "dur", "batches"}

# Up to this many classes get a legend; more get a colorbar.
_MAX_LEGEND_CLASSES = 20


def _pyplot(function):
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{function} needs matplotlib; install it with "
            'pip install "sklearn-siamese[plot]" (or pip install matplotlib).'
        ) from exc
    return plt


def _is_score(key, value):
    return (
        key not in _NOT_SCORES
        and not key.endswith(("_best", "_count"))
        and not key.startswith("event_")
        and isinstance(value, numbers.Real)
        and not isinstance(value, (bool, np.bool_))
    )


def plot_history(estimator, *, ax=None):
    """Plot the losses and scores of each training epoch.

    Draws ``train_loss``, ``valid_loss`` when the estimator held out
    validation data (``early_stopping=True``), and any other numeric
    per-epoch score in ``history_`` (e.g. a ``valid_acc`` recorded by a
    ``skorch.callbacks.EpochScoring`` callback), one line each, against the
    epoch. Bookkeeping entries (``dur``, ``*_best`` flags, batch counts,
    ``event_*`` values such as the learning rate) are left out.

    Needs matplotlib: ``pip install "sklearn-siamese[plot]"``.

    Parameters
    ----------
    estimator : SiameseEncoder or PairClassifier
        A fitted estimator of this package (anything with a skorch
        ``history_``), or a Pipeline or fitted search ending in one.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is made when None.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

    See Also
    --------
    plot_embedding : A 2-D view of the learnt embedding.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_siamese import SiameseEncoder
    >>> from sklearn_siamese.plotting import plot_history
    >>> X, y = load_digits(return_X_y=True)
    >>> enc = SiameseEncoder(max_epochs=2, random_state=0).fit(X[:200] / 16, y[:200])
    >>> ax = plot_history(enc)
    >>> [line.get_label() for line in ax.get_lines()]
    ['train_loss']
    """
    check_is_fitted(estimator)
    history = getattr(final_estimator(estimator), "history_", None)
    if history is None:
        raise TypeError(
            "plot_history needs an estimator trained by this package (with a "
            f"history_, such as SiameseEncoder); got {type(estimator).__name__}."
        )
    plt = _pyplot("plot_history")
    from matplotlib.ticker import MaxNLocator

    rows = list(history)
    keys = {}  # ordered set of the score keys, in order of appearance
    for key in ("train_loss", "valid_loss"):
        if any(_is_score(key, row.get(key)) for row in rows):
            keys[key] = None
    for row in rows:
        keys.update({key: None for key, value in row.items() if _is_score(key, value)})
    if ax is None:
        _, ax = plt.subplots()
    epochs = [row.get("epoch", i + 1) for i, row in enumerate(rows)]
    for key in keys:
        values = [row[key] if _is_score(key, row.get(key)) else np.nan for row in rows]
        ax.plot(epochs, values, marker="o" if len(rows) < 20 else None, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss" if all(k.endswith("loss") for k in keys) else "loss / score")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if keys:
        ax.legend()
    return ax


def _embed(estimator, X):
    check_is_fitted(estimator)
    if hasattr(estimator, "transform"):
        return np.asarray(estimator.transform(X))
    if hasattr(estimator, "embed"):
        return np.asarray(estimator.embed(X))
    raise TypeError(
        "estimator must have a transform or an embed method (a SiameseEncoder or "
        f"a PairClassifier); got {type(estimator).__name__}."
    )


def _project(embedding, method, random_state):
    """Coordinates of ``embedding`` in at most two dimensions and the axis
    label prefix; one column when it has a single dimension."""
    n_samples, n_dims = embedding.shape
    if method == "auto" and n_dims <= 2:
        return embedding, "dimension"
    if n_samples < 2:
        raise ValueError(
            f"method={method!r} needs at least 2 samples to project; got {n_samples}."
        )
    if method == "tsne":
        from sklearn.manifold import TSNE

        # TSNE needs perplexity < n_samples; 30 is its default. Its PCA
        # initialisation needs two dimensions.
        perplexity = min(30.0, max(1.0, (n_samples - 1) / 3))
        init = "pca" if n_dims >= 2 else "random"
        tsne = TSNE(init=init, perplexity=perplexity, random_state=random_state)
        return tsne.fit_transform(embedding), "t-SNE"
    from sklearn.decomposition import PCA

    n_components = min(2, n_dims)
    return PCA(n_components, random_state=random_state).fit_transform(embedding), "PCA"


# Scatter keywords that plot_embedding sets itself, from the classes.
_COLOUR_KWARGS = {"c", "color", "colors", "facecolor", "facecolors", "fc", "label"}


def plot_embedding(
    estimator, X, y, *, method="auto", ax=None, random_state=0, **scatter_kwargs
):
    """Scatter-plot a 2-D view of the embedding of ``X``, coloured by class.

    The embedding is ``estimator.transform(X)`` (``estimator.embed(X)`` for
    a :class:`~sklearn_siamese.PairClassifier`). With ``method="auto"`` a
    2-D embedding is drawn as it is and a larger one is projected on its
    first two principal components; ``"pca"`` and ``"tsne"`` always
    project. Up to 20 classes get a legend; more get a colorbar of class
    indices (positions in ``np.unique(y)``).

    Needs matplotlib: ``pip install "sklearn-siamese[plot]"``.

    Parameters
    ----------
    estimator : SiameseEncoder or PairClassifier
        A fitted estimator.
    X : array-like of shape (n_samples, ...)
        Samples shaped like those the estimator was fitted on (for a
        ``PairClassifier``, like one side of its pairs).
    y : array-like of shape (n_samples,)
        Class of each sample, of any kind (ints, strings).
    method : {"auto", "pca", "tsne"}, default="auto"
        ``"pca"``: the first two principal components, fast and
        deterministic. ``"tsne"``: :class:`sklearn.manifold.TSNE` with
        ``init="pca"`` (``"random"`` for a 1-D embedding), which shows
        clusters better but takes seconds to
        minutes and distorts distances. ``"auto"``: the embedding itself
        when it is 2-D (or 1-D: one strip per class), else ``"pca"``.
    ax : matplotlib Axes, default=None
        Axes to draw on; a new figure is made when None.
    random_state : int, RandomState instance or None, default=0
        Seeds the projection (t-SNE, and randomized PCA on large data).
    **scatter_kwargs
        Passed to :meth:`matplotlib.axes.Axes.scatter` (e.g. ``s``,
        ``alpha``, ``marker``, ``cmap``), except the colours and labels,
        which come from ``y`` (``c``, ``color``, ``label`` and their aliases
        are refused; choose the colours with ``cmap``).

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If ``estimator`` is not fitted.

    See Also
    --------
    plot_history : Losses per training epoch.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn_siamese import SiameseEncoder
    >>> from sklearn_siamese.plotting import plot_embedding
    >>> X, y = load_digits(return_X_y=True)
    >>> X, y = X[:200] / 16, y[:200]
    >>> enc = SiameseEncoder(max_epochs=2, random_state=0).fit(X, y)
    >>> ax = plot_embedding(enc, X, y)
    >>> len(ax.collections)
    10
    """
    if method not in ("auto", "pca", "tsne"):
        raise ValueError(
            f"method must be one of 'auto', 'pca' or 'tsne'; got {method!r}."
        )
    taken = sorted(set(scatter_kwargs) & _COLOUR_KWARGS)
    if taken:
        raise ValueError(
            f"plot_embedding colours and labels the points by class (y); "
            f"{', '.join(taken)} cannot be set. Choose the colours with cmap="
            "(e.g. cmap='tab10'), or draw with ax.scatter yourself."
        )
    embedding = _embed(estimator, X)
    y = np.asarray(y)
    if y.ndim != 1 or len(y) != len(embedding):
        raise ValueError(
            f"y must be 1-D with one label per sample of X; X has {len(embedding)} "
            f"samples, y has shape {y.shape}."
        )
    plt = _pyplot("plot_embedding")
    points, name = _project(embedding.reshape(len(embedding), -1), method, random_state)

    if ax is None:
        _, ax = plt.subplots()
    classes, codes = np.unique(y, return_inverse=True)
    codes = codes.reshape(-1)
    one_d = points.shape[1] == 1
    if one_d:  # one strip per class
        points = np.column_stack([points[:, 0], codes])
    kwargs = {"s": 12, "alpha": 0.8, **scatter_kwargs}
    cmap = kwargs.pop("cmap", None)
    if len(classes) <= _MAX_LEGEND_CLASSES:
        cmap = plt.get_cmap(cmap or ("tab10" if len(classes) <= 10 else "tab20"))
        # Small (qualitative) maps hand out colours by index; others are
        # sampled evenly.
        by_index = len(classes) <= cmap.N <= _MAX_LEGEND_CLASSES
        for i, label in enumerate(classes):
            color = cmap(i) if by_index else cmap(i / max(len(classes) - 1, 1))
            mask = codes == i
            ax.scatter(
                points[mask, 0],
                points[mask, 1],
                color=color,
                label=str(label),
                **kwargs,
            )
        ax.legend(title="class", fontsize="small", markerscale=1.5)
    else:
        paths = ax.scatter(
            points[:, 0], points[:, 1], c=codes, cmap=cmap or "viridis", **kwargs
        )
        ax.figure.colorbar(paths, ax=ax, label="class index")
    ax.set_xlabel(f"{name} 1")
    if one_d:
        ax.set_ylabel("class")
        if len(classes) <= _MAX_LEGEND_CLASSES:
            ax.set_yticks(range(len(classes)), [str(label) for label in classes])
    else:
        ax.set_ylabel(f"{name} 2")
    return ax
