import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.preprocessing import StandardScaler


@pytest.fixture(scope="session")
def digits():
    X, y = load_digits(return_X_y=True)
    return StandardScaler().fit_transform(X).astype(np.float32), y


@pytest.fixture(scope="session")
def blobs():
    """Four well-separated classes in 6 dimensions, 20 samples each."""
    rng = np.random.RandomState(0)
    centers = rng.normal(scale=5, size=(4, 6))
    y = np.repeat(np.arange(4), 20)
    X = (centers[y] + rng.normal(size=(80, 6))).astype(np.float32)
    return X, y
