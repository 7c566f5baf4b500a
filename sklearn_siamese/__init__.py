"""Siamese networks as scikit-learn estimators, trained through skorch."""

from ._persistence import load
from ._version import __version__
from .encoder import SiameseEncoder
from .pair_classifier import PairClassifier
from .sampling import PairSampler, TripletSampler

__all__ = [
    "PairClassifier",
    "PairSampler",
    "SiameseEncoder",
    "TripletSampler",
    "__version__",
    "load",
]
