"""The result of an evaluation, shaped like AWS Glue Data Quality's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

_API_RESULT = {"Passed": "PASS", "Failed": "FAIL", "Error": "ERROR"}


@dataclass
class RuleOutcome:
    """One rule's outcome. ``outcome`` is "Passed", "Failed" or "Error"."""

    rule: str
    outcome: str
    message: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    evaluated_rule: str | None = None
    labels: dict[str, str] = field(default_factory=dict)
    rule_type: str = ""
    name: str = ""

    @property
    def passed(self) -> bool:
        return self.outcome == "Passed"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": self.name,
            "Description": self.rule,
            "Result": _API_RESULT[self.outcome],
            "EvaluatedMetrics": dict(self.metrics),
            "EvaluatedRule": self.evaluated_rule or self.rule,
        }
        if self.message:
            out["EvaluationMessage"] = self.message
        if self.labels:
            out["Labels"] = dict(self.labels)
        return out


@dataclass
class AnalyzerOutcome:
    analyzer: str
    metrics: dict[str, float] = field(default_factory=dict)
    message: str | None = None
    name: str = ""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "Name": self.name,
            "Description": self.analyzer,
            "EvaluatedMetrics": dict(self.metrics),
        }
        if self.message:
            out["EvaluationMessage"] = self.message
        return out


@dataclass
class QualityResult:
    score: float
    outcomes: list[RuleOutcome]
    analyzer_metrics: dict[str, float] = field(default_factory=dict)
    analyzers: list[AnalyzerOutcome] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    rows: Any = None  # pandas DataFrame when row_level=True
    started_on: datetime | None = None
    completed_on: datetime | None = None
    dataset: str | None = None
    ruleset_name: str | None = None
    result_id: str = field(default_factory=lambda: f"dqresult-{uuid.uuid4().hex[:20]}")
    row_count: int | None = None

    @property
    def passed(self) -> bool:
        return all(o.outcome == "Passed" for o in self.outcomes)

    @property
    def has_errors(self) -> bool:
        return any(o.outcome == "Error" for o in self.outcomes)

    @property
    def exit_code(self) -> int:
        """0 all passed, 1 some failed, 2 some errored (the CLI's convention)."""
        return 2 if self.has_errors else (0 if self.passed else 1)

    def metrics(self) -> dict[str, float]:
        """Every metric computed in this run (rules and analyzers)."""
        out: dict[str, float] = {}
        for o in self.outcomes:
            out.update(o.metrics)
        out.update(self.analyzer_metrics)
        return out

    def aggregated_metrics(self) -> dict[str, float]:
        out: dict[str, float] = {
            "TotalRulesProcessed": len(self.outcomes),
            "TotalRulesPassed": sum(o.outcome == "Passed" for o in self.outcomes),
            "TotalRulesFailed": sum(o.outcome != "Passed" for o in self.outcomes),
        }
        if self.rows is not None:
            res = self.rows["DataQualityEvaluationResult"]
            out["TotalRowsProcessed"] = len(res)
            out["TotalRowsPassed"] = int((res == "Passed").sum())
            out["TotalRowsFailed"] = int((res == "Failed").sum())
        elif self.row_count is not None:
            out["TotalRowsProcessed"] = self.row_count
        return out

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of Glue's GetDataQualityResult."""
        out: dict[str, Any] = {
            "ResultId": self.result_id,
            "Score": self.score,
            "RuleResults": [o.to_dict() for o in self.outcomes],
            "AnalyzerResults": [a.to_dict() for a in self.analyzers],
            "Observations": list(self.observations),
            "AggregatedMetrics": self.aggregated_metrics(),
        }
        if self.dataset:
            out["DataSource"] = {"Name": self.dataset}
        if self.ruleset_name:
            out["RulesetName"] = self.ruleset_name
        if self.started_on:
            out["StartedOn"] = self.started_on.isoformat()
        if self.completed_on:
            out["CompletedOn"] = self.completed_on.isoformat()
        return out

    def to_frame(self):
        """The rule outcomes as a pandas DataFrame (Glue ETL's ruleOutcomes shape)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {
                    "Rule": o.rule,
                    "Outcome": o.outcome,
                    "FailureReason": o.message if o.outcome != "Passed" else None,
                    "EvaluatedMetrics": o.metrics,
                    "EvaluatedRule": o.evaluated_rule or o.rule,
                }
                for o in self.outcomes
            ]
        )

    def summary(self) -> str:
        lines = [f"Score: {self.score:.2f} ({len(self.outcomes)} rules)"]
        for o in self.outcomes:
            mark = {"Passed": "PASS", "Failed": "FAIL", "Error": "ERROR"}[o.outcome]
            lines.append(f"  [{mark}] {o.rule}" + (f"  -- {o.message}" if o.message else ""))
        return "\n".join(lines)

    def _repr_html_(self) -> str:  # a quick table in notebooks
        import html

        rows = "".join(
            f"<tr><td>{html.escape(o.rule)}</td><td>{o.outcome}</td>"
            f"<td>{html.escape(o.message or '')}</td></tr>"
            for o in self.outcomes
        )
        return (
            f"<p>Score: {self.score:.2f}</p><table><tr><th>Rule</th><th>Outcome</th>"
            f"<th>Message</th></tr>{rows}</table>"
        )
