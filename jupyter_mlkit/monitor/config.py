"""The ``monitoring_config`` of constraints.json, its defaults, and the spellings AWS uses."""

from __future__ import annotations

from typing import Any

# The container's defaults (DataQualityMonitoringConfig in analytics_input.py); the AWS docs table
# gives 0.1 for the two check thresholds instead. We follow the container: see docs/monitor.md.
DEFAULTS: dict[str, Any] = {
    "evaluate_constraints": "Enabled",
    "emit_metrics": "Enabled",
    "datatype_check_threshold": 1.0,
    "domain_content_threshold": 1.0,
    "perform_comparison": "Enabled",
    "comparison_threshold": 0.1,
    "comparison_method": "Robust",
    "categorical_comparison_threshold": None,  # None: same as comparison_threshold
    "categorical_drift_method": "LInfinity",
}

_METHOD_ALIASES = {
    "simple": "Simple",
    "linf_simple": "Simple",
    "robust": "Robust",
    "linf_robust": "Robust",
}
_CAT_ALIASES = {"linfinity": "LInfinity", "chisquared": "ChiSquared", "chi_squared": "ChiSquared"}


class ConfigError(ValueError):
    """A monitoring_config value is not understood."""


def _flatten(cfg: dict[str, Any] | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in (cfg or {}).items():
        if key == "distribution_constraints" and isinstance(value, dict):
            out.update(_flatten(value))
        elif key == "comparion_method":  # the older AWS docs' spelling
            out["comparison_method"] = value
        elif key == "enable_comparisons":  # an early SDK fixture's spelling
            out["perform_comparison"] = "Enabled" if value else "Disabled"
        else:
            out[key] = value
    return out


def _enabled(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("enabled", "true", "1", "yes")


def resolve(*layers: dict[str, Any] | None) -> dict[str, Any]:
    """Merge config layers (later wins) over the defaults and normalise the values."""
    cfg = dict(DEFAULTS)
    for layer in layers:
        cfg.update({k: v for k, v in _flatten(layer).items() if v is not None})
    method = _METHOD_ALIASES.get(str(cfg["comparison_method"]).lower())
    if method is None:
        raise ConfigError(
            f"comparison_method {cfg['comparison_method']!r} is not one of Simple, Robust, "
            "linf_simple, linf_robust"
        )
    cfg["comparison_method"] = method
    cat = _CAT_ALIASES.get(str(cfg["categorical_drift_method"]).lower())
    if cat is None:
        raise ConfigError(
            f"categorical_drift_method {cfg['categorical_drift_method']!r} is not LInfinity "
            "or ChiSquared"
        )
    cfg["categorical_drift_method"] = cat
    for key in ("evaluate_constraints", "emit_metrics", "perform_comparison"):
        cfg[key] = _enabled(cfg[key])
    for key in ("datatype_check_threshold", "domain_content_threshold", "comparison_threshold"):
        try:
            cfg[key] = float(cfg[key])
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"{key} must be a number, got {cfg[key]!r}") from exc
    if cfg["categorical_comparison_threshold"] is None:
        cfg["categorical_comparison_threshold"] = cfg["comparison_threshold"]
    cfg["categorical_comparison_threshold"] = float(cfg["categorical_comparison_threshold"])
    return cfg


def feature_overrides(feature: dict[str, Any]) -> dict[str, Any]:
    """Per-feature overrides, wherever AWS files put them."""
    out: dict[str, Any] = {}
    for holder in (feature, feature.get("string_constraints"), feature.get("num_constraints")):
        if isinstance(holder, dict):
            for key in ("monitoringConfigOverrides", "monitoring_config_overrides"):
                if isinstance(holder.get(key), dict):
                    out.update(_flatten(holder[key]))
    return out
