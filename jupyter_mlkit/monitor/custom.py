"""Custom metrics: a Python function of the window's DataFrame, or a SQL query over it (DuckDB,
the window is the table ``data``), with a threshold that raises a violation like the built-in
checks."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OPERATORS = {
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


class CustomMetricError(ValueError):
    """A custom metric is badly defined or failed to compute."""


@dataclass
class CustomMetric:
    """``violation when <value> <comparison_operator> <threshold>``; no threshold: record only."""

    name: str
    fn: Callable[[Any], float] | None = None
    sql: str | None = None
    threshold: float | None = None
    comparison_operator: str = "GreaterThanThreshold"

    def __post_init__(self) -> None:
        if (self.fn is None) == (self.sql is None):
            raise CustomMetricError(f"custom metric {self.name!r}: give exactly one of fn or sql")
        if self.comparison_operator not in OPERATORS:
            raise CustomMetricError(
                f"custom metric {self.name!r}: comparison_operator must be one of "
                f"{sorted(OPERATORS)}"
            )

    def compute(self, window: Any) -> float:
        try:
            if self.fn is not None:
                value = self.fn(window.to_pandas() if hasattr(window, "to_pandas") else window)
            else:
                import duckdb

                con = duckdb.connect()
                try:
                    con.register("data", window)
                    row = con.execute(self.sql).fetchone()
                finally:
                    con.close()
                if row is None:
                    raise CustomMetricError(
                        f"custom metric {self.name!r}: the query returned no row"
                    )
                value = row[0]
            return float(value)
        except CustomMetricError:
            raise
        except Exception as exc:  # noqa: BLE001 - user code or SQL: report which metric failed
            raise CustomMetricError(f"custom metric {self.name!r} failed: {exc}") from exc


def evaluate_custom_metrics(
    window: Any, metrics: list[CustomMetric]
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    values: dict[str, float] = {}
    violations: list[dict[str, Any]] = []
    for m in metrics:
        value = m.compute(window)
        values[m.name] = value
        crossed = (
            m.threshold is not None
            and not math.isnan(value)
            and OPERATORS[m.comparison_operator](value, m.threshold)
        )
        if crossed:
            violations.append(
                {
                    "feature_name": m.name,
                    "constraint_check_type": "custom_metric_check",
                    "description": f"Custom metric {m.name} with value {value} was "
                    f"{m.comparison_operator} '{m.threshold}'",
                }
            )
    return values, violations
