"""Siamese networks as scikit-learn estimators, trained through skorch."""

from ._version import __version__
from .encoder import SiameseEncoder

__all__ = ["SiameseEncoder", "__version__"]
