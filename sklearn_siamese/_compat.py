"""The one place where private scikit-learn helpers are imported.

scikit-learn's parameter-validation machinery is private API; keeping every
import of it here means a future scikit-learn change is fixed in one file.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    Options,
    StrOptions,
    validate_params,
)

__all__ = [
    "HasMethods",
    "Hidden",
    "Interval",
    "Options",
    "StrOptions",
    "_fit_context",
    "validate_params",
]
