"""Tests of plot_history and plot_embedding, on the Agg backend."""

import re
import sys

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import NotFittedError

from sklearn_siamese import PairClassifier, PairSampler, SiameseEncoder
from sklearn_siamese.plotting import plot_embedding, plot_history

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    X, y = load_digits(return_X_y=True)
    return (X[:150] / 16).astype(np.float32), y[:150]


@pytest.fixture(scope="module")
def encoder(data):
    return SiameseEncoder(max_epochs=3, embedding_dim=8, random_state=0).fit(*data)


@pytest.fixture(scope="module")
def encoder_2d(data):
    return SiameseEncoder(max_epochs=1, embedding_dim=2, random_state=0).fit(*data)


@pytest.fixture(scope="module")
def encoder_valid(data):
    encoder = SiameseEncoder(
        max_epochs=3, embedding_dim=8, early_stopping=True, random_state=0
    )
    return encoder.fit(*data)


@pytest.fixture(scope="module")
def pair_classifier(data):
    pairs, same = PairSampler(n_pairs=200, random_state=0).fit_resample(*data)
    return PairClassifier(max_epochs=2, random_state=0).fit(pairs, same)


# -- plot_history ---------------------------------------------------------------


def test_history_train_loss_only(encoder):
    ax = plot_history(encoder)
    assert isinstance(ax, matplotlib.axes.Axes)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train_loss"]
    x, y = lines[0].get_data()
    np.testing.assert_array_equal(x, [1, 2, 3])
    np.testing.assert_allclose(y, encoder.history_[:, "train_loss"])
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "loss"


def test_history_with_validation(encoder_valid):
    ax = plot_history(encoder_valid)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["train_loss", "valid_loss"]
    np.testing.assert_allclose(
        lines[1].get_ydata(), encoder_valid.history_[:, "valid_loss"]
    )
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["train_loss", "valid_loss"]


def test_history_other_scores(data):
    encoder = SiameseEncoder(max_epochs=2, embedding_dim=4, random_state=0)
    encoder.fit(*data)
    # A score recorded by a callback, in some epochs only.
    encoder.history_.record("valid_acc", 0.75)
    ax = plot_history(encoder)
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines) == ["train_loss", "valid_acc"]
    np.testing.assert_array_equal(lines["valid_acc"].get_ydata(), [np.nan, 0.75])
    assert ax.get_ylabel() == "loss / score"


def test_history_on_given_axes(encoder):
    _, ax = plt.subplots()
    assert plot_history(encoder, ax=ax) is ax
    assert len(ax.get_lines()) == 1


def test_history_pair_classifier(pair_classifier):
    ax = plot_history(pair_classifier)
    assert len(ax.get_lines()) == 1


def test_history_of_a_pipeline(data):
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pipe = make_pipeline(StandardScaler(), SiameseEncoder(max_epochs=2, random_state=0))
    ax = plot_history(pipe.fit(*data))
    assert len(ax.get_lines()[0].get_xdata()) == 2
    # a fitted search over the pipeline: its best estimator's last step
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(pipe, {"siameseencoder__max_epochs": [1, 3]}, cv=2)
    search.fit(*data)
    epochs = search.best_params_["siameseencoder__max_epochs"]
    assert len(plot_history(search).get_lines()[0].get_xdata()) == epochs
    from sklearn.linear_model import LogisticRegression

    msg = "plot_history needs an estimator trained by this package .* LogisticRegr"
    with pytest.raises(TypeError, match=msg):
        plot_history(LogisticRegression().fit(*data))


def test_history_unfitted():
    with pytest.raises(NotFittedError):
        plot_history(SiameseEncoder())


# -- plot_embedding -------------------------------------------------------------


def _points(ax):
    return np.vstack([c.get_offsets() for c in ax.collections])


def test_embedding_2d_plotted_directly(encoder_2d, data):
    X, y = data
    ax = plot_embedding(encoder_2d, X, y)
    assert isinstance(ax, matplotlib.axes.Axes)
    assert len(ax.collections) == 10  # one scatter per class
    embedding = encoder_2d.transform(X)
    expected = np.vstack([embedding[y == c] for c in range(10)])
    np.testing.assert_allclose(_points(ax), expected, rtol=1e-6)
    assert ax.get_xlabel() == "dimension 1"
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == [str(c) for c in range(10)]


def test_embedding_pca(encoder, data):
    from sklearn.decomposition import PCA

    X, y = data
    ax = plot_embedding(encoder, X, y)
    assert ax.get_xlabel() == "PCA 1"
    assert ax.get_ylabel() == "PCA 2"
    assert len(_points(ax)) == len(X)
    pca = PCA(2, random_state=0).fit_transform(encoder.transform(X))
    expected = np.vstack([pca[y == c] for c in range(10)])
    np.testing.assert_allclose(_points(ax), expected, rtol=1e-4, atol=1e-5)
    # Deterministic.
    np.testing.assert_array_equal(_points(plot_embedding(encoder, X, y)), _points(ax))


def test_embedding_tsne(encoder, data):
    X, y = data
    ax = plot_embedding(encoder, X[:40], y[:40], method="tsne")
    assert ax.get_xlabel() == "t-SNE 1"
    from sklearn.manifold import TSNE

    # perplexity below the number of samples: (40 - 1) / 3
    tsne = TSNE(init="pca", perplexity=13.0, random_state=0)
    points = tsne.fit_transform(encoder.transform(X[:40]))
    expected = np.vstack([points[y[:40] == c] for c in np.unique(y[:40])])
    np.testing.assert_allclose(_points(ax), expected, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("method", ["auto", "pca"])
def test_embedding_1d_one_strip_per_class(data, method):
    X, y = data
    X, y = X[:40], y[:40]
    encoder = SiameseEncoder(
        max_epochs=1, embedding_dim=1, normalize=False, random_state=0
    )
    encoder.fit(X, y)
    # t-SNE spreads a 1-D embedding over two dimensions (its PCA start
    # needed two: a ValueError about PCA)
    ax = plot_embedding(encoder, X, y, method="tsne")
    assert _points(ax).shape == (40, 2) and ax.get_ylabel() == "t-SNE 2"
    ax = plot_embedding(encoder, X, y, method=method)
    classes = np.unique(y)
    for code, collection in enumerate(ax.collections):
        np.testing.assert_array_equal(collection.get_offsets()[:, 1], code)
    if method == "auto":
        Z = encoder.transform(X)[:, 0]
        expected = np.concatenate([Z[y == c] for c in classes])
        np.testing.assert_allclose(_points(ax)[:, 0], expected, rtol=1e-6)
    assert ax.get_ylabel() == "class"
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(c) for c in classes]


def test_embedding_explicit_pca_on_2d(encoder_2d, data):
    X, y = data
    ax = plot_embedding(encoder_2d, X, y, method="pca")
    assert ax.get_xlabel() == "PCA 1"


def test_embedding_string_labels(encoder, data):
    X, y = data
    names = np.array(["zero", "one", "two", "three", "four"] * 2)[y]
    ax = plot_embedding(encoder, X, names, s=5, marker="x")
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == sorted(set(names))
    assert ax.collections[0].get_sizes()[0] == 5


def test_embedding_many_classes_colorbar(encoder, data):
    X, _ = data
    y = np.arange(len(X)) % 25
    ax = plot_embedding(encoder, X, y)
    assert ax.get_legend() is None
    assert len(ax.collections) == 1
    assert len(ax.figure.axes) == 2  # the plot and its colorbar
    np.testing.assert_array_equal(ax.collections[0].get_array(), y)


def test_embedding_on_given_axes(encoder, data):
    X, y = data
    _, ax = plt.subplots()
    assert plot_embedding(encoder, X, y, ax=ax) is ax


def test_embedding_pair_classifier(pair_classifier, data):
    X, y = data
    ax = plot_embedding(pair_classifier, X, y)
    assert len(_points(ax)) == len(X)
    assert ax.get_xlabel() == "PCA 1"


def test_embedding_unfitted(data):
    with pytest.raises(NotFittedError):
        plot_embedding(SiameseEncoder(), *data)
    with pytest.raises(NotFittedError):
        plot_embedding(PairClassifier(), *data)


def test_embedding_bad_method(encoder, data):
    with pytest.raises(ValueError, match="method must be one of 'auto', 'pca'"):
        plot_embedding(encoder, *data, method="umap")


@pytest.mark.parametrize("kwargs", [{"color": "k"}, {"c": "k"}, {"label": "x"}])
def test_embedding_refuses_colours_and_labels(encoder, data, kwargs):
    X, y = data
    name = next(iter(kwargs))
    with pytest.raises(ValueError, match=f"by class \\(y\\); {name} cannot be set"):
        plot_embedding(encoder, X, y, **kwargs)
    ax = plot_embedding(encoder, X, y, cmap="Set1", marker="x", s=3)
    assert len(ax.collections) == len(np.unique(y))


def test_embedding_bad_y(encoder, data):
    X, y = data
    with pytest.raises(ValueError, match="X has 150 samples, y has shape \\(149,\\)"):
        plot_embedding(encoder, X, y[:-1])


def test_embedding_needs_transform_or_embed(data):
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    with pytest.raises(TypeError, match="must have a transform or an embed method"):
        plot_embedding(SVC().fit(*data), *data)
    # Any fitted transformer works.
    ax = plot_embedding(StandardScaler().fit(data[0]), *data)
    assert len(_points(ax)) == len(data[0])


def test_missing_matplotlib(encoder, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=re.escape('"sklearn-siamese[plot]"')):
        plot_history(encoder)
