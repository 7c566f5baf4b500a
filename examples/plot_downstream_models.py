"""
=====================================================================
Siamese embeddings as features for other estimators
=====================================================================

:class:`~sklearn_siamese.SiameseEncoder` is a scikit-learn transformer: its
``transform`` gives embeddings in which samples of a class lie close together,
so any estimator can follow it in a :class:`~sklearn.pipeline.Pipeline`. This
example trains one on scikit-learn's bundled digits and feeds its embeddings
to a linear classifier, a nearest-neighbours classifier and k-means
clustering, each compared with the same estimator on the raw pixels.
"""

import os

MAX_EPOCHS = 2 if os.environ.get("SKLEARN_SIAMESE_FAST_EXAMPLES") else 30

# %%
# Data: 70% of the digits train, 30% are held out.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.base import clone
from sklearn.cluster import KMeans
from sklearn.datasets import load_digits
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

from sklearn_siamese import SiameseEncoder
from sklearn_siamese.plotting import plot_embedding

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

# %%
# A pipeline that trains the encoder
# ----------------------------------
# ``fit`` passes the labels to every step: the encoder learns its embedding
# from them, and the logistic regression then learns on the embeddings.
logreg_pipe = make_pipeline(
    StandardScaler(),
    SiameseEncoder(max_epochs=MAX_EPOCHS, random_state=0),
    LogisticRegression(max_iter=1000),
)
logreg_pipe.fit(X_train, y_train)

# %%
# Reusing the trained encoder
# ---------------------------
# Fitting another pipeline would train another encoder. To put the same
# trained one in front of other estimators, take the fitted front of the
# pipeline (``logreg_pipe[:-1]``, the scaler and the encoder) and wrap it in
# :class:`~sklearn.frozen.FrozenEstimator`, whose ``fit`` does nothing.
embed = FrozenEstimator(logreg_pipe[:-1])
knn_pipe = make_pipeline(embed, KNeighborsClassifier()).fit(X_train, y_train)

# %%
# k-means clusters the held-out digits without their labels; the adjusted
# Rand index (ARI) measures how well the 10 clusters match the 10 digits
# (1 is a perfect match, 0 is chance).
kmeans_pipe = make_pipeline(embed, KMeans(n_clusters=10, n_init=10, random_state=0))
ari_siamese = adjusted_rand_score(y_test, kmeans_pipe.fit_predict(X_test))

# %%
# The same estimators on the standardised pixels.
raw_logreg = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
raw_knn = make_pipeline(StandardScaler(), KNeighborsClassifier())
raw_kmeans = make_pipeline(StandardScaler(), clone(kmeans_pipe[-1]))
raw_logreg.fit(X_train, y_train)
raw_knn.fit(X_train, y_train)
ari_raw = adjusted_rand_score(y_test, raw_kmeans.fit_predict(X_test))

scores = {
    "logistic regression\n(test accuracy)": [
        raw_logreg.score(X_test, y_test),
        logreg_pipe.score(X_test, y_test),
    ],
    "5-nearest neighbours\n(test accuracy)": [
        raw_knn.score(X_test, y_test),
        knn_pipe.score(X_test, y_test),
    ],
    "k-means, 10 clusters\n(ARI on test digits)": [ari_raw, ari_siamese],
}
print(f"{'':28} {'pixels':>8} {'siamese':>8}")
for name, (raw, siamese) in scores.items():
    print(f"{name.split(chr(10))[0]:28} {raw:8.3f} {siamese:8.3f}")

# %%
# The largest gain is for k-means: in pixel space the digits do not form
# round, well-separated clusters, while the siamese embedding is trained to
# make them so. The classifiers, which see the labels, gain less.
fig, ax = plt.subplots(figsize=(7, 4))
x = np.arange(len(scores))
for k, label in enumerate(["pixels", "siamese embedding"]):
    bars = ax.bar(x + (k - 0.5) * 0.38, [v[k] for v in scores.values()], 0.38)
    bars.set_label(label)
    ax.bar_label(bars, fmt="%.3f", fontsize=8)
ax.set_xticks(x, list(scores))
ax.set_ylim(0, 1.25)
ax.legend(loc="upper center", ncols=2)
ax.set_title("Downstream estimators on held-out digits")
fig.tight_layout()
plt.show()

# %%
# What k-means sees
# -----------------
# :func:`~sklearn_siamese.plotting.plot_embedding` projects the 64-dimensional
# embeddings of the held-out digits on their first two principal components.
# Beside it, the same projection of the pixels (an identity
# ``FunctionTransformer`` as the "encoder").
fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
plot_embedding(FunctionTransformer().fit(X_train), X_test, y_test, ax=axes[0])
axes[0].set_title("Pixels (PCA)")
encoder = logreg_pipe[:-1]
plot_embedding(encoder, X_test, y_test, ax=axes[1])
axes[1].set_title("Siamese embedding (PCA)")
fig.tight_layout()
plt.show()
