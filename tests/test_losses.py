"""Losses and distances checked against slow, obviously-correct loops."""

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from sklearn_siamese.distances import get_distance
from sklearn_siamese.losses import (
    ContrastiveLoss,
    PrototypicalLoss,
    TripletLoss,
    get_loss,
)

DISTANCES = ["euclidean", "cosine", "manhattan"]


def _slow_distance(name, a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if name == "euclidean":
        return float(np.sqrt(np.sum((a - b) ** 2)))
    if name == "manhattan":
        return float(np.sum(np.abs(a - b)))
    return float(1 - a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def _batch(seed=0, n_classes=3, per_class=4, dim=5):
    gen = torch.Generator().manual_seed(seed)
    emb = torch.randn(n_classes * per_class, dim, generator=gen, dtype=torch.float64)
    labels = torch.arange(n_classes).repeat_interleave(per_class)
    perm = torch.randperm(len(labels), generator=gen)
    return emb[perm], labels[perm]


@pytest.mark.parametrize("name", DISTANCES)
def test_distances_match_slow_loop(name):
    a, _ = _batch(0)
    b, _ = _batch(1)
    dist = get_distance(name)
    pairwise = dist.pairwise(a, b).numpy()
    for i, j in itertools.product(range(len(a)), range(len(b))):
        assert pairwise[i, j] == pytest.approx(
            _slow_distance(name, a[i], b[j]), abs=1e-6
        )
    paired = dist.paired(a, b).numpy()
    for i in range(len(a)):
        assert paired[i] == pytest.approx(_slow_distance(name, a[i], b[i]), abs=1e-6)


@pytest.mark.parametrize("scale", [1.0, 10.0, 100.0])
def test_float32_euclidean_pairwise_far_from_the_origin(scale):
    # |a|^2 + |b|^2 - 2 a.b cancels badly in float32 for large norms; close
    # embeddings must still get their small distance.
    rng = np.random.RandomState(0)
    base = rng.uniform(size=(1, 256)) * scale
    X = base + rng.normal(scale=1e-3, size=(8, 256))
    expected = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    got = get_distance("euclidean").pairwise(
        torch.tensor(X, dtype=torch.float32), torch.tensor(X, dtype=torch.float32)
    )
    off = ~np.eye(8, dtype=bool)
    np.testing.assert_allclose(got.numpy()[off], expected[off], rtol=1e-3)


@settings(max_examples=30, deadline=None)
@given(
    name=st.sampled_from(DISTANCES),
    values=st.lists(
        st.floats(-10, 10, allow_nan=False, width=32), min_size=6, max_size=6
    ),
)
def test_distance_properties(name, values):
    x = torch.tensor(values, dtype=torch.float64).reshape(3, 2) + 0.5
    dist = get_distance(name)
    d = dist.pairwise(x, x)
    assert torch.all(d >= -1e-7)
    torch.testing.assert_close(d, d.T)
    torch.testing.assert_close(
        torch.diagonal(d), torch.zeros(3, dtype=d.dtype), atol=1e-5, rtol=0
    )
    torch.testing.assert_close(
        dist.paired(x, x), torch.zeros(3, dtype=d.dtype), atol=1e-5, rtol=0
    )


def test_unknown_distance_and_loss_names():
    with pytest.raises(ValueError, match=r"distance='hamming' is not supported"):
        get_distance("hamming")
    with pytest.raises(ValueError, match=r"loss='hinge' is not supported"):
        get_loss("hinge")
    with pytest.raises(ValueError, match=r"mining='easy' is not supported"):
        TripletLoss(mining="easy")


def _slow_contrastive(emb, labels, name, margin):
    pos, neg = [], []
    for i, j in itertools.combinations(range(len(labels)), 2):
        d = _slow_distance(name, emb[i], emb[j])
        if labels[i] == labels[j]:
            pos.append(d**2)
        else:
            neg.append(max(margin - d, 0.0) ** 2)
    if not pos or not neg:  # pairs of one kind only: their mean
        return float(np.mean(pos or neg))
    return 0.5 * (np.mean(pos) + np.mean(neg))


@pytest.mark.parametrize("name", DISTANCES)
@pytest.mark.parametrize("margin", [0.5, 2.0])
def test_contrastive_in_batch_matches_slow_loop(name, margin):
    emb, labels = _batch()
    loss = ContrastiveLoss(name, margin)(emb, labels)
    assert loss.item() == pytest.approx(
        _slow_contrastive(emb, labels, name, margin), rel=1e-6
    )


@pytest.mark.parametrize("name", DISTANCES)
@pytest.mark.parametrize("kind", ["one class", "all classes distinct"])
def test_contrastive_in_batch_with_pairs_of_one_kind(name, kind):
    emb, _ = _batch()
    labels = torch.zeros(12, dtype=torch.long)
    if kind == "all classes distinct":
        labels = torch.arange(12)
        emb = emb * 0.2  # some pairs within the margin
    loss = ContrastiveLoss(name, 1.5)(emb, labels).item()
    expected = _slow_contrastive(emb, labels, name, 1.5)
    assert loss == pytest.approx(expected, rel=1e-6) and expected > 0


@pytest.mark.parametrize("name", DISTANCES)
def test_contrastive_pairs_matches_slow_loop(name):
    e1, _ = _batch(0)
    e2, _ = _batch(1)
    same = torch.tensor([1, 0] * 6)
    expected = np.mean(
        [
            _slow_distance(name, a, b) ** 2
            if s
            else max(1.5 - _slow_distance(name, a, b), 0) ** 2
            for a, b, s in zip(e1, e2, same)
        ]
    )
    assert ContrastiveLoss(name, 1.5)((e1, e2), same).item() == pytest.approx(
        expected, rel=1e-6
    )


def _slow_triplets(emb, labels, name, margin, mining):
    n = len(labels)
    d = [[_slow_distance(name, emb[i], emb[j]) for j in range(n)] for i in range(n)]
    losses = []
    for a in range(n):
        positives = [p for p in range(n) if p != a and labels[p] == labels[a]]
        negatives = [q for q in range(n) if labels[q] != labels[a]]
        if not positives or not negatives:
            continue
        if mining == "hard":
            hp = max(d[a][p] for p in positives)
            hn = min(d[a][q] for q in negatives)
            losses.append(max(hp - hn + margin, 0.0))
            continue
        for p in positives:
            if mining == "all":
                for q in negatives:
                    value = max(d[a][p] - d[a][q] + margin, 0.0)
                    if value > 0:
                        losses.append(value)
            else:  # semihard
                further = [d[a][q] for q in negatives if d[a][q] > d[a][p]]
                dn = min(further) if further else max(d[a][q] for q in negatives)
                losses.append(max(d[a][p] - dn + margin, 0.0))
    return np.mean(losses) if losses else 0.0


@pytest.mark.parametrize("name", DISTANCES)
@pytest.mark.parametrize("mining", ["all", "hard", "semihard"])
@pytest.mark.parametrize("margin", [0.1, 1.0])
def test_triplet_in_batch_matches_slow_loop(name, mining, margin):
    emb, labels = _batch(seed=3)
    loss = TripletLoss(name, margin, mining)(emb, labels)
    expected = _slow_triplets(emb, labels, name, margin, mining)
    assert loss.item() == pytest.approx(expected, rel=1e-6, abs=1e-9)


def test_triplet_explicit_matches_slow_loop():
    a, _ = _batch(0)
    p, _ = _batch(1)
    n, _ = _batch(2)
    expected = np.mean(
        [
            max(
                _slow_distance("euclidean", x, y)
                - _slow_distance("euclidean", x, z)
                + 1.0,
                0,
            )
            for x, y, z in zip(a, p, n)
        ]
    )
    assert TripletLoss()((a, p, n), None).item() == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("name", DISTANCES)
@pytest.mark.parametrize("margin", [0.0, 0.7])
def test_prototypical_matches_slow_loop(name, margin):
    emb, labels = _batch(seed=5, n_classes=4, per_class=3)
    temperature = 0.5
    classes = sorted(set(labels.tolist()))
    losses = []
    for i in range(len(labels)):
        logits = []
        for c in classes:
            members = [j for j in range(len(labels)) if labels[j] == c and j != i]
            proto = emb[members].mean(0)
            d = _slow_distance(name, emb[i], proto)
            d = d**2 if name == "euclidean" else d
            logits.append(-(d + margin * (c == labels[i].item())) / temperature)
        logits = np.array(logits)
        target = classes.index(labels[i].item())
        losses.append(-(logits[target] - np.log(np.sum(np.exp(logits)))))
    loss = PrototypicalLoss(name, temperature, margin)(emb, labels)
    assert loss.item() == pytest.approx(np.mean(losses), rel=1e-6)


@pytest.mark.parametrize("name", DISTANCES)
def test_prototypical_singletons_only_serve_as_prototypes(name):
    # classes 3 and 4 have one sample each: no loss term of their own, but
    # a prototype (the sample itself) for every other sample
    emb, labels = _batch(seed=3, n_classes=3, per_class=3)
    gen = torch.Generator().manual_seed(4)
    emb = torch.cat([emb, torch.randn(2, 5, generator=gen, dtype=torch.float64)])
    labels = torch.cat([labels, torch.tensor([3, 4])])
    temperature, losses = 0.5, []
    for i in range(len(labels)):
        if (labels == labels[i]).sum() == 1:
            continue
        logits = []
        for c in range(5):
            members = [j for j in range(len(labels)) if labels[j] == c and j != i]
            d = _slow_distance(name, emb[i], emb[members].mean(0))
            logits.append(-(d**2 if name == "euclidean" else d) / temperature)
        logits = np.array(logits)
        target = labels[i].item()
        losses.append(-(logits[target] - np.log(np.sum(np.exp(logits)))))
    assert len(losses) == 9
    loss = PrototypicalLoss(name, temperature)(emb, labels)
    assert loss.item() == pytest.approx(np.mean(losses), rel=1e-6)


@pytest.mark.parametrize("loss", [ContrastiveLoss(), TripletLoss(), PrototypicalLoss()])
def test_losses_give_finite_gradients_with_duplicates(loss):
    emb = torch.tensor(
        [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]], requires_grad=True
    )
    labels = torch.tensor([0, 0, 1, 1])
    loss(emb, labels).backward()
    assert torch.isfinite(emb.grad).all()


@pytest.mark.parametrize("loss", [ContrastiveLoss(), TripletLoss(), PrototypicalLoss()])
def test_losses_on_a_batch_of_one_class_are_finite_and_differentiable(loss):
    emb = torch.randn(4, 3, requires_grad=True)
    value = loss(emb, torch.zeros(4, dtype=torch.long))
    value.backward()
    assert torch.isfinite(value)
