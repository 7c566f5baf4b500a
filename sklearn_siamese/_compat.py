"""The one place where private scikit-learn helpers are imported.

scikit-learn's parameter-validation machinery is private API; keeping every
import of it here means a future scikit-learn change is fixed in one file.
"""

import numbers

import numpy as np
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


class _WithoutBool(Interval):
    """An ``Interval`` that refuses ``True`` and ``False``.

    ``bool`` is a subclass of ``int``, so ``Interval(Integral)`` takes
    ``embedding_dim=True`` for 1 and ``Interval(Real)`` takes
    ``pos_fraction=True`` for 1.0: a number given as a boolean is a mistake.
    """

    def is_satisfied_by(self, val):
        if isinstance(val, (bool, np.bool_)):
            return False
        return super().is_satisfied_by(val)


class Count(_WithoutBool):
    """``Interval(numbers.Integral, left, right, closed=...)`` without booleans."""

    def __init__(self, left, right, *, closed):
        super().__init__(numbers.Integral, left, right, closed=closed)


class Amount(_WithoutBool):
    """``Interval(numbers.Real, left, right, closed=...)`` without booleans."""

    def __init__(self, left, right, *, closed):
        super().__init__(numbers.Real, left, right, closed=closed)


__all__ += ["Amount", "Count"]
