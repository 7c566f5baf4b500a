"""
=====================================================================
Duplicate question detection on TF-IDF features
=====================================================================

Question-and-answer sites merge questions that ask the same thing in other
words ("How do I learn Python?" and "What is the best way to get started
with Python?"), and must not merge questions that share most of their words
but ask something else ("How do I learn Java?"). Plain TF-IDF cosine
similarity gets both kinds wrong: it rewards shared words, whatever they are.

This example generates such questions from templates (no download), turns
them into TF-IDF vectors with
:class:`~sklearn.feature_extraction.text.TfidfVectorizer`, and trains a
:class:`~sklearn_siamese.PairClassifier` on sparse ``[x1 | x2]`` rows. It is
tested on questions about topic and intent *combinations* that never
occurred in training, and compared with the cosine similarity by their ROC
curves. Where the training questions come in known duplicate groups, a
:class:`~sklearn_siamese.SiameseEncoder` trained on the groups does better
still.
"""

import os

MAX_EPOCHS = 2 if os.environ.get("SKLEARN_SIAMESE_FAST_EXAMPLES") else 20

# %%
# Generated questions
# -------------------
# A question *group* is an intent (learn, install, compare, ...) about a topic
# (python, excel, ...); its questions are different wordings of it, with
# optional filler words. Duplicates are two questions of one group.
import itertools

import matplotlib.pyplot as plt
import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import RocCurveDisplay, roc_auc_score
from sklearn.metrics.pairwise import paired_cosine_distances

from sklearn_siamese import PairClassifier, SiameseEncoder
from sklearn_siamese.metrics import make_pair_roc_auc_scorer

INTENTS = {
    "learn": [
        "how do i learn {t}",
        "what is the best way to learn {t}",
        "how can i get started with {t}",
        "where should a beginner start with {t}",
        "any tips for picking up {t} quickly",
    ],
    "install": [
        "how do i install {t}",
        "what are the steps to install {t}",
        "how can i set up {t} on my computer",
        "installing {t} where do i begin",
        "what do i need to download to get {t} running",
    ],
    "crash": [
        "why does {t} keep crashing",
        "how do i stop {t} from crashing",
        "{t} crashes all the time how to fix it",
        "what causes {t} to freeze and close",
        "{t} keeps closing by itself what can i do",
    ],
    "cost": [
        "how much does {t} cost",
        "what is the price of {t}",
        "is {t} free or do i have to pay",
        "do i need a paid licence for {t}",
        "is {t} expensive",
    ],
    "jobs": [
        "can i get a job with {t}",
        "is {t} a useful skill for a career",
        "do employers look for {t} experience",
        "will knowing {t} help me find work",
        "what jobs need {t}",
    ],
    "alternative": [
        "what is a good alternative to {t}",
        "what can i use instead of {t}",
        "is there something better than {t}",
        "which tools replace {t}",
        "what are the competitors of {t}",
    ],
}
TOPICS = [
    "python", "java", "excel", "linux", "photoshop", "docker", "git", "sql",
    "blender", "javascript", "rust", "matlab", "tableau", "kubernetes", "word",
    "latex", "unity", "android studio", "vim", "wordpress",
]  # fmt: skip
PREFIXES = ["", "", "", "quick question ", "hi all ", "newbie here "]
SUFFIXES = ["", "", "", " please", " thanks", " for work"]

rng = np.random.default_rng(0)
texts, groups, intents, topics = [], [], [], []
for g, (intent, topic) in enumerate(itertools.product(INTENTS, TOPICS)):
    for template in INTENTS[intent]:
        question = template.format(t=topic)
        texts.append(rng.choice(PREFIXES) + question + rng.choice(SUFFIXES) + "?")
        groups.append(g)
        intents.append(intent)
        topics.append(topic)
groups, intents, topics = map(np.array, (groups, intents, topics))
print(f"{len(texts)} questions in {groups.max() + 1} groups, e.g.:")
for i in np.flatnonzero(groups == 0)[:3]:
    print("   ", texts[i])

# %%
# Pairs
# -----
# Each question is paired with its duplicates (the other wordings of its
# group) and with as many *hard* non-duplicates: questions with the same
# intent about another topic, or about the same topic with another intent.
# 70% of the groups train, the other 30% test: the test pairs are about
# (intent, topic) combinations never seen in training, although each intent
# and each topic was.
test_groups = rng.permutation(groups.max() + 1)[: int(0.3 * (groups.max() + 1))]
is_test = np.isin(groups, test_groups)


def make_pairs(mask):
    """Index pairs (i, j) within ``mask`` and whether they are duplicates."""
    idx = np.flatnonzero(mask)
    first, second, same = [], [], []
    for i in idx:
        same_group = idx[(groups[idx] == groups[i]) & (idx != i)]
        other_topic = idx[(intents[idx] == intents[i]) & (topics[idx] != topics[i])]
        other_intent = idx[(topics[idx] == topics[i]) & (intents[idx] != intents[i])]
        if len(other_intent) == 0:  # no other intent on this topic in the split
            other_intent = other_topic
        half = len(same_group) // 2
        negatives = [
            *rng.choice(other_topic, size=half, replace=False),
            *rng.choice(other_intent, size=len(same_group) - half, replace=False),
        ]
        first += [i] * (len(same_group) + len(negatives))
        second += [*same_group, *negatives]
        same += [1] * len(same_group) + [0] * len(negatives)
    return np.array(first), np.array(second), np.array(same)


first_train, second_train, y_train = make_pairs(~is_test)
first_test, second_test, y_test = make_pairs(is_test)

# %%
# TF-IDF rows ``[x1 | x2]``
# -------------------------
# The vectorizer is fitted on the training questions only. Each pair becomes
# one sparse row: the TF-IDF vector of its first question, then that of its
# second.
vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
tfidf = vectorizer.fit(np.array(texts)[~is_test]).transform(texts).astype(np.float32)


def pair_rows(first, second):
    return sp.hstack([tfidf[first], tfidf[second]], format="csr")


X_train = pair_rows(first_train, second_train)
X_test = pair_rows(first_test, second_test)
print(
    f"pairs: train {X_train.shape[0]}, test {X_test.shape[0]}; "
    f"{tfidf.shape[1]} TF-IDF features per question"
)

# %%
# The baseline: TF-IDF cosine similarity
# --------------------------------------
# The similarity of the two vectors of a pair, and the accuracy of the best
# single cut on the test pairs (optimistic, since it is chosen on them).
cosine = 1 - paired_cosine_distances(tfidf[first_test], tfidf[second_test])
cuts = np.unique(cosine)
best_cut_accuracy = max(np.mean((cosine >= c) == (y_test == 1)) for c in cuts)
print(
    f"TF-IDF cosine:  ROC AUC {roc_auc_score(y_test, cosine):.3f}, "
    f"accuracy at the best cut {best_cut_accuracy:.3f}"
)

# %%
# The siamese pair classifier
# ---------------------------
# One MLP branch reads both TF-IDF vectors of a pair (sparse input is fine) and
# the Koch head scores the difference of their embeddings; ``normalize=False``
# leaves the embeddings' lengths free, which works better on these sparse
# inputs. Its hardest negatives are questions of the same intent about
# another topic: they make most of its false "same" calls, the worst of them
# with near certainty (see below).
clf = PairClassifier(
    module="mlp", normalize=False, max_epochs=MAX_EPOCHS, random_state=0
)
clf.fit(X_train, y_train)
pair_auc = make_pair_roc_auc_scorer()  # scorer(model, pairs, labels)
print(
    f"PairClassifier: ROC AUC {pair_auc(clf, X_test, y_test):.3f}, "
    f"accuracy {clf.score(X_test, y_test):.3f}"
)

# %%
# When the groups are known: an encoder
# -------------------------------------
# Labelled pairs are all a pair classifier learns from. When the duplicate
# *groups* of the training questions are known, a
# :class:`~sklearn_siamese.SiameseEncoder` can learn from the questions and
# their group labels instead, from every pair within its class-balanced
# batches. Its embedding distance scores a pair; the scorer of
# :func:`~sklearn_siamese.metrics.make_pair_roc_auc_scorer` reads the same
# ``[x1 | x2]`` rows. An epoch of the encoder embeds the 420 training
# questions once, an epoch of the pair classifier 3,360 pairs, so the encoder
# gets five times as many epochs, at a fraction of the cost.
encoder = SiameseEncoder(module="mlp", max_epochs=5 * MAX_EPOCHS, random_state=0)
encoder.fit(tfidf[~is_test], groups[~is_test])
print(f"SiameseEncoder: ROC AUC {pair_auc(encoder, X_test, y_test):.3f}")

# %%
# ROC curves on the test pairs
# ----------------------------
# Both siamese models rank duplicate pairs of unseen groups above the hard
# non-duplicates much better than the cosine similarity of TF-IDF vectors
# does, the encoder, which learned from every pair of its groups, best.
distance = np.linalg.norm(
    encoder.transform(tfidf[first_test]) - encoder.transform(tfidf[second_test]),
    axis=1,
)
fig, ax = plt.subplots(figsize=(5.5, 5))
RocCurveDisplay.from_predictions(y_test, cosine, name="TF-IDF cosine", ax=ax)
RocCurveDisplay.from_estimator(clf, X_test, y_test, name="PairClassifier", ax=ax)
RocCurveDisplay.from_predictions(
    y_test, -distance, name="SiameseEncoder distance", ax=ax
)
ax.plot([0, 1], [0, 1], color="grey", linestyle=":")
ax.set_title("Duplicates among unseen topic-intent pairs")
fig.tight_layout()
plt.show()

# %%
# The pair classifier's worst mistakes: the non-duplicate test pairs it gives
# the highest probability of being duplicates.
p_same = clf.predict_proba(X_test)[:, 1]
for k in np.argsort(-np.where(y_test == 0, p_same, -1))[:3]:
    print(f"P(same) = {p_same[k]:.2f}:")
    print(f"    {texts[first_test[k]]}\n    {texts[second_test[k]]}")
