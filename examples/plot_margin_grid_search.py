"""
=====================================================================
Tuning the contrastive margin with GridSearchCV
=====================================================================

A :class:`~sklearn_siamese.SiameseEncoder` with the contrastive loss
(Hadsell et al. 2006) pulls images of the same digit together and pushes
images of different digits apart until they are at least a *margin* apart.
The margin is a hyperparameter like any other: here ``GridSearchCV`` tunes it
for the encoder *inside* a pipeline ``StandardScaler -> SiameseEncoder ->
KNeighborsClassifier`` on scikit-learn's bundled 8x8 digits.

Two cross-validated scores are recorded for each margin: the accuracy of the
pipeline's k-nearest-neighbours classifier, and the 5-way one-shot accuracy
of the embedding (:func:`~sklearn_siamese.metrics.make_one_shot_scorer`),
which asks how well one example of each digit identifies a new one. The tuned
pipeline is then compared, on held-out digits, with the same classifier on
:class:`~sklearn.neighbors.NeighborhoodComponentsAnalysis`, scikit-learn's
linear metric learner, and on raw pixels.
"""

import os

MAX_EPOCHS = 2 if os.environ.get("SKLEARN_SIAMESE_FAST_EXAMPLES") else 30

# %%
# Data: 70% to train and tune, 30% held out.
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_siamese import SiameseEncoder
from sklearn_siamese.metrics import make_one_shot_scorer

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

# %%
# The pipeline and the two scores
# -------------------------------
# ``make_one_shot_scorer`` scores an estimator that embeds (one with
# ``transform``). The pipeline ends in a classifier of ten digits, so the
# scorer takes its one-shot score on the steps before it, ``pipe[:-1]``, the
# fitted scaler and encoder. Each candidate margin is scored on the same
# 500 tasks of each fold (the scorer's ``random_state=0``).
pipe = Pipeline(
    [
        ("scale", StandardScaler()),
        (
            "siamese",
            SiameseEncoder(loss="contrastive", max_epochs=MAX_EPOCHS, random_state=0),
        ),
        ("knn", KNeighborsClassifier()),
    ]
)
one_shot_score = make_one_shot_scorer(n_way=5, n_tasks=500)

margins = [0.25, 0.5, 1.0, 1.5, 2.0]
search = GridSearchCV(
    pipe,
    {"siamese__margin": margins},
    scoring={"kNN accuracy": "accuracy", "5-way one-shot": one_shot_score},
    refit="kNN accuracy",
    cv=3,
)
search.fit(X_train, y_train)
print(f"best margin: {search.best_params_['siamese__margin']}")
for name in ["kNN accuracy", "5-way one-shot"]:
    means = search.cv_results_[f"mean_test_{name}"]
    print(f"CV {name:15}: " + "  ".join(f"{m:.3f}" for m in means))

# %%
# With the embeddings on the unit sphere (``normalize=True``, the default)
# Euclidean distances are at most 2. A small margin is satisfied as soon as
# different digits are a little apart, and the classes stay close together;
# margins of about 1 and more spread them over the sphere. The one-shot score,
# which relies on a single example per digit, is the more sensitive of the
# two.
fig, ax = plt.subplots(figsize=(6, 4))
for name in ["kNN accuracy", "5-way one-shot"]:
    mean = search.cv_results_[f"mean_test_{name}"]
    std = search.cv_results_[f"std_test_{name}"]
    ax.errorbar(margins, mean, yerr=std, marker="o", capsize=3, label=name)
best = search.best_params_["siamese__margin"]
ax.axvline(best, color="grey", linestyle=":", label=f"selected margin = {best}")
ax.set_xlabel("contrastive margin")
ax.set_ylabel("3-fold cross-validated score")
ax.set_title("Margin of the SiameseEncoder in a pipeline")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# Held-out digits
# ---------------
# The refitted best pipeline against the same neighbours classifier on NCA
# embeddings and on raw pixels.
nca = Pipeline(
    [
        ("scale", StandardScaler()),
        ("nca", NeighborhoodComponentsAnalysis(32, random_state=0)),
        ("knn", KNeighborsClassifier()),
    ]
).fit(X_train, y_train)
raw = Pipeline([("scale", StandardScaler()), ("knn", KNeighborsClassifier())])
raw.fit(X_train, y_train)
print(f"test accuracy, siamese + kNN: {search.score(X_test, y_test):.4f}")
print(f"test accuracy, NCA(32) + kNN: {nca.score(X_test, y_test):.4f}")
print(f"test accuracy, pixels + kNN:  {raw.score(X_test, y_test):.4f}")
