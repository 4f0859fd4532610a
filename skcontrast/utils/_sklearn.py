"""The one module that imports scikit-learn's private helpers.

scikit-learn>=1.6 is required: it has ``validate_data``, the ``Tags`` dataclasses
and ``expected_failed_checks``. Everything private that skcontrast uses from
scikit-learn is imported here, so that a change in a private API is mended in one
place.
"""

from sklearn.base import _fit_context
from sklearn.utils._param_validation import (
    HasMethods,
    Hidden,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_params,
)
from sklearn.utils._set_output import _get_output_config
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

__all__ = [
    "HasMethods",
    "Hidden",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "_check_feature_names_in",
    "_fit_context",
    "_get_output_config",
    "check_is_fitted",
    "validate_data",
    "validate_params",
]
