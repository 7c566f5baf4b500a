"""
=====================================================================
Pseudo-siamese networks: matching two different views
=====================================================================

A siamese network compares two samples of the same kind with one shared
branch. When the two sides of a pair are of different kinds (a photo and a
sketch, a user and an item, two sensors), each side needs a branch of its
own: a *pseudo-siamese* network, :class:`~sklearn_siamese.PairClassifier`
with ``shared=False``.

Here side A has 40 features and side B 24. For a matching pair, B is a noisy
linear function of A; for a non-matching pair, B belongs to another A. No
single feature tells the two apart, so a linear classifier on the
concatenated features is at chance, while a pseudo-siamese network learns to
map both sides to one embedding space where matching pairs are close. Its
``predict_proba`` is calibrated on held-out pairs; a calibration curve checks
that.
"""

import os

MAX_EPOCHS = 2 if os.environ.get("SKLEARN_SIAMESE_FAST_EXAMPLES") else 30

# %%
# Two views of different widths
# -----------------------------
# Pairs are rows ``[a | b]`` of 40 + 24 columns; half of them match.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.calibration import calibration_curve
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import brier_score_loss, roc_auc_score

from sklearn_siamese import PairClassifier
from sklearn_siamese.datasets import make_two_views

FAST = bool(os.environ.get("SKLEARN_SIAMESE_FAST_EXAMPLES"))
N_FEATURES_A = 40


def make_pairs(n_pairs, random_state):
    """Rows [a | b]: b = a @ W + noise for matches, another row's b otherwise."""
    return make_two_views(
        n_pairs,
        n_features_a=N_FEATURES_A,
        n_features_b=24,
        noise=0.5,
        random_state=random_state,
    )


X_train, y_train = make_pairs(1000 if FAST else 4000, random_state=0)
X_test, y_test = make_pairs(2000, random_state=1)
print(f"pairs: train {X_train.shape}, test {X_test.shape}")

# %%
# The models
# ----------
# ``n_features_a=40`` tells the classifier where side A ends. Each side gets
# an MLP branch, and the Koch head (a learned weighting of ``|e_a - e_b|``)
# scores the pair. With ``normalize=False`` the embeddings are not projected
# on the unit sphere, so their length can carry information too; here that
# works better. Since B is a *linear* function of A, linear branches
# (``hidden_layer_sizes=()`` for both sides) suit this data best; with real
# data one would choose the branch by cross-validation.
common = dict(shared=False, n_features_a=N_FEATURES_A, max_epochs=MAX_EPOCHS)
models = {
    "MLP branches, normalize=True": PairClassifier(
        normalize=True, random_state=0, **common
    ),
    "MLP branches, normalize=False": PairClassifier(
        normalize=False, random_state=0, **common
    ),
    "linear branches, normalize=False": PairClassifier(
        normalize=False,
        module__hidden_layer_sizes=(),
        module_b__hidden_layer_sizes=(),
        random_state=0,
        **common,
    ),
}
baseline = LogisticRegression().fit(X_train, y_train)
print(f"{'':34} {'accuracy':>8} {'ROC AUC':>8} {'Brier':>7}")
proba = {}
for name, model in {"logistic regression on [a | b]": baseline, **models}.items():
    if model is not baseline:
        model.fit(X_train, y_train)
    proba[name] = model.predict_proba(X_test)[:, 1]
    print(
        f"{name:34} {model.score(X_test, y_test):8.3f} "
        f"{roc_auc_score(y_test, proba[name]):8.3f} "
        f"{brier_score_loss(y_test, proba[name]):7.3f}"
    )

# %%
# Calibration
# -----------
# For pairs given a probability of about ``p`` of matching, a fraction of
# about ``p`` should match: the points of a calibrated model lie on the
# diagonal. The histograms show how confident each model is; the logistic
# regression, which cannot tell pairs apart, stays near 0.5 (between about
# 0.3 and 0.7) for every pair.
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
axes[0].plot([0, 1], [0, 1], color="grey", linestyle=":", label="perfectly calibrated")
bins = np.linspace(0, 1, 21)
for name, p in proba.items():
    observed, predicted = calibration_curve(y_test, p, n_bins=10, strategy="quantile")
    axes[0].plot(predicted, observed, marker="o", label=name)
    axes[1].hist(p, bins=bins, histtype="step", linewidth=1.5, label=name)
axes[0].set_xlabel("predicted P(match)")
axes[0].set_ylabel("fraction of matching pairs")
axes[0].set_title("Calibration curve, test pairs")
axes[0].legend(fontsize=8)
axes[1].set_xlabel("predicted P(match)")
axes[1].set_ylabel("test pairs")
axes[1].set_title("Distribution of predicted probabilities")
fig.tight_layout()
plt.show()
