"""
=====================================================================
Comparing the losses: prototypical, contrastive and triplet
=====================================================================

:class:`~sklearn_siamese.SiameseEncoder` offers three metric-learning losses,
all computed over class-balanced batches (``sampling="batch"``):

- ``"prototypical"`` (Snell et al. 2017, the default): each sample must be
  nearer to the mean embedding of its own class in the batch than to that of
  any other class, by a margin;
- ``"contrastive"`` (Hadsell et al. 2006): every same-class pair of the batch
  is pulled together, every different-class pair pushed beyond the margin.
  With ``sampling="random"`` it sees isolated random pairs instead, as the
  classic siamese networks do;
- ``"triplet"`` (Schroff et al. 2015): an anchor must be nearer to a positive
  (same class) than to a negative by the margin, over ``"all"`` triplets of
  the batch (``"all"``), the hardest ones (``"hard"``: the farthest positive
  and the nearest negative of each anchor), or ``"semihard"`` ones (for each
  anchor-positive pair, the nearest negative that is still farther than the
  positive).

Each is trained for the same number of epochs on scikit-learn's digits and
scored on held-out digits by retrieval and one-shot metrics.
"""

import os

MAX_EPOCHS = 2 if os.environ.get("SKLEARN_SIAMESE_FAST_EXAMPLES") else 20

# %%
# Data: 70% of the digits train, 30% are held out.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import FunctionTransformer

from sklearn_siamese import SiameseEncoder
from sklearn_siamese.metrics import (
    mean_average_precision_at_r,
    one_shot_accuracy,
    precision_at_1,
)

X, y = load_digits(return_X_y=True)
X = X / 16
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)

# %%
# The losses
# ----------
# Everything else is left at its default: an MLP branch, 64-d embeddings on
# the unit sphere, Euclidean distance, margin 1.
configs = {
    "prototypical": dict(loss="prototypical"),
    "contrastive": dict(loss="contrastive"),
    "contrastive,\nrandom pairs": dict(loss="contrastive", sampling="random"),
    "triplet, all": dict(loss="triplet", mining="all"),
    "triplet, hard": dict(loss="triplet", mining="hard"),
    "triplet,\nsemihard": dict(loss="triplet", mining="semihard"),
}


# %%
# Three scores on the held-out digits, from their embeddings:
#
# - *precision@1*: how often a digit's nearest other test digit is of its
#   class;
# - *MAP@R* (mean average precision at R, Musgrave et al. 2020): for a digit
#   of a class with R other test digits, how many of its R nearest neighbours
#   are of its class, and how early they come; it rewards tight,
#   well-separated classes, not only a correct nearest neighbour;
# - *10-way one-shot accuracy*: one test digit of each class as the only
#   reference, and a query to assign to the nearest.
#
# The raw pixels (through an identity ``FunctionTransformer``) are the
# baseline.
def evaluate(encoder):
    embedding = encoder.transform(X_test)
    return {
        "precision@1": precision_at_1(embedding, y_test),
        "MAP@R": mean_average_precision_at_r(embedding, y_test),
        "10-way one-shot": one_shot_accuracy(
            embedding, y_test, n_way=10, n_tasks=1000, random_state=0
        ),
    }


scores = {"raw pixels": evaluate(FunctionTransformer().fit(X_train))}
# one short fit first, so that the first timed fit does not pay for the
# one-off start-up (imports, thread pools)
SiameseEncoder(max_epochs=1, random_state=0).fit(X_train, y_train)
fit_times = {}
for name, params in configs.items():
    start = time.perf_counter()
    encoder = SiameseEncoder(max_epochs=MAX_EPOCHS, random_state=0, **params)
    encoder.fit(X_train, y_train)
    fit_times[name] = time.perf_counter() - start
    scores[name] = evaluate(encoder)

metrics = list(scores["raw pixels"])
print(f"{'':26}" + "".join(f"{m:>16}" for m in metrics) + f"{'fit time':>10}")
for name, values in scores.items():
    fit_time = f"{fit_times[name]:9.1f}s" if name in fit_times else ""
    row = "".join(f"{values[m]:16.3f}" for m in metrics)
    print(f"{name.replace(chr(10), ' '):26}{row}{fit_time}")

# %%
# All batch losses find a correct nearest neighbour for nearly every digit;
# MAP@R shows the differences better. The in-batch losses beat isolated random
# pairs, which see far fewer pairs per step. Mining ``"all"`` and
# ``"semihard"`` triplets costs the most time per step: both weigh every
# (anchor, positive, negative) triplet of the batch.
fig, ax = plt.subplots(figsize=(11, 4.5))
names = list(scores)
width = 0.27
x = np.arange(len(names))
for k, metric in enumerate(metrics):
    bars = ax.bar(x + (k - 1) * width, [scores[n][metric] for n in names], width)
    bars.set_label(metric)
    ax.bar_label(bars, fmt="%.2f", fontsize=7, padding=1)
ax.set_xticks(x, names)
ax.set_ylim(0.4, 1.15)
ax.set_ylabel("score on held-out digits")
ax.legend(loc="upper center", ncols=3)
ax.set_title(f"SiameseEncoder losses on digits ({MAX_EPOCHS} epochs each)")
fig.tight_layout()
plt.show()
