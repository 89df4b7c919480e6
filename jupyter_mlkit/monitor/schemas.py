"""JSON schemas of statistics.json, constraints.json and constraint_violations.json, written from
the AWS documentation (spec §1). Extra keys are allowed, as the SageMaker SDK ignores them."""

from __future__ import annotations

from typing import Any

_COMMON = {
    "type": "object",
    "required": ["num_present", "num_missing"],
    "properties": {
        "num_present": {"type": "integer", "minimum": 0},
        "num_missing": {"type": "integer", "minimum": 0},
    },
}
_KLL = {
    "type": "object",
    "required": ["buckets", "sketch"],
    "properties": {
        "buckets": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["lower_bound", "upper_bound", "count"],
                "properties": {
                    "lower_bound": {"type": "number"},
                    "upper_bound": {"type": "number"},
                    "count": {"type": "number", "minimum": 0},
                },
            },
        },
        "sketch": {
            "type": "object",
            "required": ["parameters", "data"],
            "properties": {
                "parameters": {
                    "type": "object",
                    "required": ["c", "k"],
                    "properties": {"c": {"type": "number"}, "k": {"type": "number"}},
                },
                "data": {"type": "array", "items": {"type": "array", "items": {"type": "number"}}},
            },
        },
    },
}
STATISTICS: dict[str, Any] = {
    "type": "object",
    "required": ["version", "dataset", "features"],
    "properties": {
        "version": {"type": "number", "maximum": 0},
        "dataset": {
            "type": "object",
            "required": ["item_count"],
            "properties": {"item_count": {"type": "integer", "minimum": 0}},
        },
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "inferred_type"],
                "properties": {
                    "name": {"type": "string"},
                    "inferred_type": {"enum": ["Integral", "Fractional", "String", "Unknown"]},
                    "numerical_statistics": {
                        "type": "object",
                        "required": ["common", "mean", "sum", "std_dev", "min", "max"],
                        "properties": {
                            "common": _COMMON,
                            "mean": {"type": "number"},
                            "sum": {"type": "number"},
                            "std_dev": {"type": "number", "minimum": 0},
                            "min": {"type": "number"},
                            "max": {"type": "number"},
                            "distribution": {
                                "type": "object",
                                "properties": {"kll": _KLL},
                            },
                        },
                    },
                    "string_statistics": {
                        "type": "object",
                        "required": ["common"],
                        "properties": {
                            "common": _COMMON,
                            "distinct_count": {"type": "number", "minimum": 0},
                            "distribution": {
                                "type": "object",
                                "properties": {
                                    "categorical": {
                                        "type": "object",
                                        "required": ["buckets"],
                                        "properties": {
                                            "buckets": {
                                                "type": "array",
                                                "items": {
                                                    "type": "object",
                                                    "required": ["value", "count"],
                                                },
                                            }
                                        },
                                    }
                                },
                            },
                        },
                    },
                },
            },
        },
    },
}
_ENABLED = {"enum": ["Enabled", "Disabled"]}
CONSTRAINTS: dict[str, Any] = {
    "type": "object",
    "required": ["version", "features"],
    "properties": {
        "version": {"type": "number", "maximum": 0},
        "features": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "inferred_type"],
                "properties": {
                    "name": {"type": "string"},
                    "inferred_type": {"enum": ["Integral", "Fractional", "String", "Unknown"]},
                    "completeness": {"type": "number", "minimum": 0, "maximum": 1},
                    "num_constraints": {
                        "type": "object",
                        "properties": {"is_non_negative": {"type": "boolean"}},
                    },
                    "string_constraints": {
                        "type": "object",
                        "properties": {"domains": {"type": "array", "items": {"type": "string"}}},
                    },
                },
            },
        },
        "monitoring_config": {
            "type": "object",
            "properties": {
                "evaluate_constraints": _ENABLED,
                "emit_metrics": _ENABLED,
                "datatype_check_threshold": {"type": "number"},
                "domain_content_threshold": {"type": "number"},
                "distribution_constraints": {
                    "type": "object",
                    "properties": {
                        "perform_comparison": _ENABLED,
                        "comparison_threshold": {"type": "number"},
                        "comparison_method": {
                            "enum": ["Simple", "Robust", "linf_simple", "linf_robust"]
                        },
                        "categorical_comparison_threshold": {"type": "number"},
                        "categorical_drift_method": {"enum": ["LInfinity", "ChiSquared"]},
                    },
                },
            },
        },
    },
}
VIOLATIONS: dict[str, Any] = {
    "type": "object",
    "required": ["violations"],
    "properties": {
        "violations": {
            "type": "array",
            "items": {
                "type": "object",
                # a bring-your-own-container file (nlp example) has no description
                "required": ["constraint_check_type"],
                "properties": {
                    "feature_name": {"type": "string"},
                    "metric_name": {"type": "string"},
                    "constraint_check_type": {"type": "string"},
                    "description": {"type": "string"},
                },
            },
        }
    },
}
SCHEMAS = {"statistics": STATISTICS, "constraints": CONSTRAINTS, "violations": VIOLATIONS}


def validate(doc: dict[str, Any], kind: str) -> None:
    """Raise ``jsonschema.ValidationError`` when ``doc`` does not fit the documented schema."""
    import jsonschema

    jsonschema.validate(doc, SCHEMAS[kind])
