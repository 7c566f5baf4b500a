"""SiameseEncoder on scikit-learn's digits: the figures of issue 3.

1. GridSearchCV over ``siamese__margin`` in [0.5, 1, 2] (cv=3) of
   StandardScaler -> SiameseEncoder -> kNN, scored on a stratified 30% test
   split, against StandardScaler -> NCA(32) -> kNN and raw pixels -> kNN,
   measured in the same run.
2. Trained with defaults on digits 0-4 only: 5-way one-shot accuracy on the
   unseen digits 5-9 (nearest support in embedding space, 1000 random tasks),
   against raw pixels and NCA trained on 0-4.

Run: ``python benchmarks/bench_encoder_digits.py``
"""

import platform
import time

import numpy as np
import sklearn
import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.neighbors import KNeighborsClassifier, NeighborhoodComponentsAnalysis
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import sklearn_siamese
from sklearn_siamese import SiameseEncoder
from sklearn_siamese.metrics import one_shot_accuracy


def five_way(model, X, y):
    """5-way one-shot: one support per class, one query; nearest support wins."""
    return one_shot_accuracy(
        model.transform(X), y, n_way=5, n_tasks=1000, random_state=0
    )


def main():
    torch.set_num_threads(2)
    print(
        f"{platform.platform()}, {torch.get_num_threads()} torch threads, "
        f"python {platform.python_version()}, torch {torch.__version__}, "
        f"scikit-learn {sklearn.__version__}, sklearn_siamese "
        f"{sklearn_siamese.__version__}"
    )
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("siamese", SiameseEncoder(random_state=0)),
            ("knn", KNeighborsClassifier()),
        ]
    )
    start = time.perf_counter()
    search = GridSearchCV(pipe, {"siamese__margin": [0.5, 1.0, 2.0]}, cv=3)
    search.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    nca = make_pipeline(
        StandardScaler(),
        NeighborhoodComponentsAnalysis(32, random_state=0),
        KNeighborsClassifier(),
    ).fit(X_train, y_train)
    raw = make_pipeline(StandardScaler(), KNeighborsClassifier()).fit(X_train, y_train)
    print("\n1. digits test accuracy (kNN, k=5)")
    print(
        f"   siamese (GridSearchCV over margin, {elapsed:.1f} s): "
        f"{search.score(X_test, y_test):.4f}  best {search.best_params_}"
    )
    print(
        f"   NCA(32):                                 {nca.score(X_test, y_test):.4f}"
    )
    print(
        f"   raw pixels:                              {raw.score(X_test, y_test):.4f}"
    )

    seen = y < 5
    print("\n2. 5-way one-shot accuracy on unseen digits 5-9 (trained on 0-4)")
    for name, prep in [
        ("standardised", StandardScaler().fit(X[seen])),
        ("pixels / 16", FunctionTransformer(lambda Z: Z / 16)),
    ]:
        A, B = prep.transform(X[seen]), prep.transform(X[~seen])
        enc = SiameseEncoder(random_state=0).fit(A, y[seen])
        nca = NeighborhoodComponentsAnalysis(32, random_state=0).fit(A, y[seen])
        raw = FunctionTransformer().fit(A)
        print(
            f"   [{name}] siamese {five_way(enc, B, y[~seen]):.3f}"
            f"  NCA {five_way(nca, B, y[~seen]):.3f}"
            f"  raw {five_way(raw, B, y[~seen]):.3f}"
        )
    images = X.reshape(-1, 8, 8).astype(np.float32) / 16
    enc = SiameseEncoder(random_state=0).fit(images[seen], y[seen])
    print(f"   [8x8 images, conv] siamese {five_way(enc, images[~seen], y[~seen]):.3f}")


if __name__ == "__main__":
    main()
