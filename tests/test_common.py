"""scikit-learn's estimator checks over every public skcontrast estimator."""

from __future__ import annotations

import inspect

import pytest
from sklearn.utils import get_tags
from sklearn.utils.estimator_checks import (
    check_dataframe_column_names_consistency,
    check_do_not_raise_errors_in_init_or_set_params,
    check_estimator_repr,
    check_estimator_tags_renamed,
    check_get_feature_names_out_error,
    check_get_params_invariance,
    check_global_output_transform_pandas,
    check_global_set_output_transform_polars,
    check_mixin_order,
    check_no_attributes_set_in_init,
    check_param_validation,
    check_parameters_default_constructible,
    check_set_output_transform,
    check_set_output_transform_pandas,
    check_set_output_transform_polars,
    check_set_params,
    check_transformer_get_feature_names_out,
    check_transformer_get_feature_names_out_pandas,
    check_valid_tag_types,
    parametrize_with_checks,
)

import skcontrast
from skcontrast.utils._test_common import (
    EXPECTED_FAILED_CHECKS,
    INIT_PARAMS,
    _expected_failed_checks,
    _public_classes,
    _public_modules,
    _tested_estimators,
    all_estimators,
)

ESTIMATORS = list(_tested_estimators())


def _id(estimator) -> str:
    return type(estimator).__name__


def test_every_public_estimator_is_tested():
    public = {cls for _, cls in all_estimators()}
    missing = sorted(cls.__name__ for cls in public - set(INIT_PARAMS))
    assert not missing, f"public estimators missing from INIT_PARAMS: {missing}"
    stale = sorted(cls.__name__ for cls in set(INIT_PARAMS) - public)
    assert not stale, f"INIT_PARAMS lists non-public estimators: {stale}"


def test_expected_failures_have_reasons():
    for cls, checks in EXPECTED_FAILED_CHECKS.items():
        assert cls in INIT_PARAMS, cls
        for check, reason in checks.items():
            assert check.startswith("check_"), check
            assert isinstance(reason, str) and len(reason) > 10, (cls, check)


def test_base_augmenter_is_the_only_public_base_class():
    """BaseAugmenter is public to be subclassed; no other Base* class is public."""
    bases = {
        name
        for module in _public_modules()
        for name in getattr(module, "__all__", ())
        if name.startswith("Base")
    }
    assert bases == {"BaseAugmenter"}


def test_base_classes_are_not_tested_as_estimators():
    for name, cls in all_estimators():
        assert not name.startswith("Base") and not inspect.isabstract(cls), name
    assert {name for name, _ in _public_classes()} - {name for name, _ in all_estimators()} == {
        "BaseAugmenter"
    }


def test_every_public_estimator_is_importable_from_the_top_level():
    for name, cls in all_estimators():
        assert name in skcontrast.__all__, f"{name} is missing from skcontrast._LAZY"
        assert getattr(skcontrast, name) is cls


@parametrize_with_checks(
    ESTIMATORS, expected_failed_checks=_expected_failed_checks, xfail_strict=True
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def _skip_if_expected(estimator, check_name: str) -> None:
    if check_name in _expected_failed_checks(estimator):
        pytest.skip(f"{check_name}: {_expected_failed_checks(estimator)[check_name]}")
    if not get_tags(estimator).input_tags.two_d_array:
        pytest.skip(
            f"{check_name}: sklearn's check feeds numeric 2-D data and returns at once for "
            f"string-input {type(estimator).__name__}; its behaviour is tested in tests/featurize"
        )


# For an estimator whose input is not numeric 2-D (the SMILES featurizers),
# parametrize_with_checks yields check_estimator_cloneable only and skips the rest;
# these checks need no data, so they run here for such estimators.
DATA_FREE_CHECKS = [
    check_estimator_tags_renamed,
    check_valid_tag_types,
    check_estimator_repr,
    check_no_attributes_set_in_init,
    check_do_not_raise_errors_in_init_or_set_params,
    check_mixin_order,
    check_parameters_default_constructible,
    check_get_params_invariance,
    check_set_params,
]
NON_NUMERIC = [e for e in ESTIMATORS if not get_tags(e).input_tags.two_d_array]


@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda check: check.__name__)
@pytest.mark.parametrize("estimator", NON_NUMERIC, ids=_id)
def test_data_free_checks_for_non_numeric_input(estimator, check):
    check(type(estimator).__name__, estimator)


def test_non_numeric_estimators_are_the_featurizers():
    assert sorted(map(_id, NON_NUMERIC)) == ["DescriptorFeaturizer", "MorganFeaturizer"]


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_check_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=_id)
def test_dataframe_column_names_consistency(estimator):
    _skip_if_expected(estimator, "check_dataframe_column_names_consistency")
    check_dataframe_column_names_consistency(type(estimator).__name__, estimator)


TRANSFORMERS = [e for e in ESTIMATORS if hasattr(e, "transform")]


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=_id)
@pytest.mark.parametrize(
    "check",
    [
        check_transformer_get_feature_names_out,
        check_transformer_get_feature_names_out_pandas,
        check_get_feature_names_out_error,
        check_set_output_transform,
        check_set_output_transform_pandas,
        check_global_output_transform_pandas,
        check_set_output_transform_polars,
        check_global_set_output_transform_polars,
    ],
    ids=lambda check: check.__name__,
)
def test_feature_names_and_set_output(transformer, check):
    _skip_if_expected(transformer, check.__name__)
    check(type(transformer).__name__, transformer)
