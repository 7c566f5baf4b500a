"""
=====================================================================
One-shot recognition of characters never seen in training
=====================================================================

Koch, Zemel and Salakhutdinov (2015) trained a siamese network on the
characters of Omniglot's *background* alphabets, then tested it on characters
of other alphabets, seen once each: an *N-way one-shot task* shows one drawing
of each of N new characters and a query drawing of one of them, and the
network must say which. Their network solved 92% of 20-way tasks.

This example sets up the same test on synthetic hand-drawn characters from
:func:`~sklearn_siamese.datasets.make_glyphs` (no download): a
:class:`~sklearn_siamese.SiameseEncoder` learns from 60 characters and is
tested on 40 others with :func:`~sklearn_siamese.metrics.one_shot_accuracy`,
for 2- to 20-way tasks, against the nearest neighbour in raw pixels.
"""

import os

MAX_EPOCHS = 2 if os.environ.get("SKLEARN_SIAMESE_FAST_EXAMPLES") else 20

# %%
# Background and evaluation characters
# ------------------------------------
# 100 characters of 20 drawings each, 28x28 pixels (fewer in the fast mode of
# the tests). As in Omniglot's *background* and *evaluation* sets, the
# characters are split, not the drawings: the first 60 train, the last 40 are
# new at test time.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.preprocessing import FunctionTransformer

from sklearn_siamese import SiameseEncoder
from sklearn_siamese.datasets import make_glyphs
from sklearn_siamese.metrics import one_shot_accuracy

FAST = bool(os.environ.get("SKLEARN_SIAMESE_FAST_EXAMPLES"))
N_CLASSES, N_TRAIN_CLASSES, N_PER_CLASS = (45, 25, 10) if FAST else (100, 60, 20)
N_TASKS = 200 if FAST else 1000

X, y = make_glyphs(
    n_classes=N_CLASSES, n_per_class=N_PER_CLASS, image_size=28, random_state=0
)
background = y < N_TRAIN_CLASSES
X_train, y_train = X[background], y[background]
X_new, y_new = X[~background], y[~background]
print(f"training: {len(np.unique(y_train))} characters, {len(y_train)} drawings")
print(f"new:      {len(np.unique(y_new))} characters, {len(y_new)} drawings")

fig, axes = plt.subplots(3, 10, figsize=(9, 3))
for row, character in zip(axes, [0, N_TRAIN_CLASSES, N_TRAIN_CLASSES + 1]):
    for ax, image in zip(row, X[y == character]):
        ax.imshow(image, cmap="gray_r")
        ax.set_axis_off()
fig.suptitle("Ten drawings of a training character (top) and of two new ones")
plt.show()

# %%
# The models
# ----------
# - *raw pixels*: the query's nearest support drawing in pixel space, with a
#   ``FunctionTransformer`` that flattens the images as the "encoder";
# - ``module="mlp"``: a dense branch on the flattened pixels;
# - ``module="conv"`` (the default for images): a small convolutional branch.
#   It trains with ``augment=True``, small random rotations, shifts, scalings
#   and shears of the training drawings, as Koch et al. distorted theirs.
#
# Both siamese encoders use the default *prototypical* loss, which trains on
# few-shot episodes drawn from the training characters, the very task they
# are tested on. (``module="koch"`` builds Koch et al.'s convolutional
# network, the paper's own with ``embedding_dim=4096`` on 105x105 images;
# it is too slow to train for this gallery.)
models = {
    "raw pixels": FunctionTransformer(lambda images: images.reshape(len(images), -1)),
    "siamese, module='mlp'": SiameseEncoder(
        module="mlp", max_epochs=MAX_EPOCHS, random_state=0
    ),
    "siamese, module='conv'": SiameseEncoder(
        module="conv", augment=True, max_epochs=MAX_EPOCHS, random_state=0
    ),
}
for model in models.values():
    model.fit(X_train, y_train)

# %%
# N-way one-shot accuracy on the new characters
# ---------------------------------------------
# Each task draws N of the new characters, one support drawing of each and
# a query; the query is assigned to the nearest support in the embedding.
# Chance is 1 / N. The 5-shot accuracy (the query against the mean
# embedding of five drawings per character) is shown for the convolutional
# encoder too.
n_ways = [2, 5, 10, 20]
embeddings = {name: model.transform(X_new) for name, model in models.items()}
accuracy = {
    name: [
        one_shot_accuracy(Z, y_new, n_way=n, n_tasks=N_TASKS, random_state=0)
        for n in n_ways
    ]
    for name, Z in embeddings.items()
}
conv = embeddings["siamese, module='conv'"]
five_shot = [
    one_shot_accuracy(conv, y_new, n_way=n, k_shot=5, n_tasks=N_TASKS, random_state=0)
    for n in n_ways
]
print(f"{'':24} {'5-way':>7} {'20-way':>7}")
for name, values in accuracy.items():
    print(f"{name:24} {values[1]:7.1%} {values[3]:7.1%}")
print(f"{'conv, 5-shot':24} {five_shot[1]:7.1%} {five_shot[3]:7.1%}")

# %%
# The convolutional embedding keeps its lead as the tasks get harder: telling
# 20 new characters apart from a single drawing each is where pixel distances
# fall far behind. The dense branch does little better than the pixels: it learns the
# training characters, stroke position by stroke position, but little that
# carries over to new ones.
fig, ax = plt.subplots(figsize=(6, 4))
for name, values in accuracy.items():
    ax.plot(n_ways, values, marker="o", label=f"{name}, 1-shot")
ax.plot(n_ways, five_shot, marker="o", linestyle="--", label="siamese conv, 5-shot")
ax.plot(n_ways, 1 / np.array(n_ways), color="grey", linestyle=":", label="chance")
ax.set_xticks(n_ways)
ax.set_xlabel("N (classes per task)")
ax.set_ylabel("accuracy on new characters")
ax.set_ylim(0, 1.02)
ax.set_title("N-way one-shot accuracy")
ax.legend()
fig.tight_layout()
plt.show()
