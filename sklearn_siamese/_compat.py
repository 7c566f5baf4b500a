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

# Appended for sampling.py (get_feature_names_out of the samplers).
from sklearn.utils.validation import _check_feature_names_in  # noqa: E402

__all__ += ["_check_feature_names_in"]
