"""Analyzers (metrics without pass/fail) and DetectAnomalies.

Anomaly detection follows spec §5.2 with Deequ's OnlineNormal idea: with at least
``MIN_HISTORY`` previous values of a metric, the current value is anomalous when it lies outside
mean +/- 3 standard deviations of the history. The reasoning (history size, mean, band) is put
in the rule's message and in an Observation.
"""

from __future__ import annotations

import statistics

from .model import Condition, Number, Param, Rule
from .plan import ERROR, FAILED, PASSED, Context, LeafPlan, Outcome, RuleError

MIN_HISTORY = 3
SIGMAS = 3.0
_ANY = Condition(">", (Number("-1"),))  # a placeholder condition: only the metrics are used


def metric_rule(rule_type: str, params: list[str]) -> Rule:
    """A synthetic rule computing the metrics of ``rule_type`` on ``params``."""
    return Rule(rule_type, tuple(Param(p) for p in params), _ANY)


def analyzer_rules(ctx: Context, rule_type: str, params: list[str]) -> list[Rule]:
    """The rules whose metrics an analyzer reports (AllStatistics expands to several)."""
    if rule_type != "AllStatistics":
        return [metric_rule(rule_type, params)]
    from .sources import is_numeric, is_string

    cols = list(ctx.primary.columns) if params == ["AllColumns"] else [ctx.column(params[0])]
    out = [metric_rule("RowCount", [])]
    for c in cols:
        out += [metric_rule(t, [c]) for t in ("Completeness", "Uniqueness", "DistinctValuesCount")]
        out.append(metric_rule("Entropy", [c]))
        t = ctx.ctype(c)
        if is_numeric(t):
            out += [metric_rule(n, [c]) for n in ("Mean", "Sum", "StandardDeviation")]
            out.append(Rule("ColumnValues", (Param(c),), Condition(">", (Number("-1"),))))
        elif is_string(t):
            out.append(Rule("ColumnLength", (Param(c),), Condition(">=", (Number("0"),))))
    return out


def _band(values: list[float]) -> tuple[float, float, float, float]:
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    # A perfectly constant history would flag any change; allow a hair of relative noise.
    slack = max(SIGMAS * sd, 1e-9 * max(1.0, abs(mean)))
    return mean, sd, mean - slack, mean + slack


def detect_anomalies(ctx: Context, rule: Rule, build) -> LeafPlan:
    """Plan for ``DetectAnomalies "<RuleType>" <params...>``: compute the target's metrics now and
    compare each with its history."""
    target, params = rule.args[0], rule.args[1:]
    inner_rule = metric_rule(target, params)
    inner = build(ctx, inner_rule)
    history = ctx.history
    inner_finish = inner.finish

    def finish(values) -> Outcome:
        out = inner_finish(values) if inner_finish else Outcome(PASSED)
        if out.outcome == ERROR:
            return Outcome(ERROR, out.message, out.metrics)
        if not out.metrics:
            return Outcome(ERROR, f"{target} produced no metric to watch", {})
        if history is None:
            return Outcome(
                PASSED,
                "no metric history was given (pass history=<dataset name>); "
                "anomaly detection starts once runs are recorded",
                out.metrics,
            )
        reasons, observations, anomalous = [], [], False
        for key, value in out.metrics.items():
            past = history(key)(100)
            if len(past) < MIN_HISTORY:
                reasons.append(
                    f"{key} = {value:g}: {len(past)} previous run(s), need {MIN_HISTORY} "
                    "before judging"
                )
                continue
            mean, sd, lo, hi = _band(past)
            inside = lo <= value <= hi
            why = (
                f"{key} = {value:g}; expected [{lo:g}, {hi:g}] "
                f"(mean {mean:g} +/- {SIGMAS:g} x std {sd:g} over {len(past)} previous runs)"
            )
            reasons.append(("" if inside else "ANOMALY: ") + why)
            if not inside:
                anomalous = True
                observations.append(
                    {
                        "Description": why,
                        "MetricBasedObservation": {
                            "MetricName": key,
                            "MetricValues": {
                                "ActualValue": value,
                                "ExpectedValue": mean,
                                "LowerLimit": lo,
                                "UpperLimit": hi,
                            },
                            "NewRules": [
                                f"{inner_rule.to_dqdl().rsplit(' >', 1)[0]} "
                                f"between {lo:.6g} and {hi:.6g}"
                            ],
                        },
                    }
                )
        return Outcome(
            FAILED if anomalous else PASSED,
            "; ".join(reasons),
            out.metrics,
            observations=observations,
        )

    if inner.error:
        raise RuleError(inner.error)
    inner.finish, inner.row_pred, inner.dataset_level = finish, None, True
    inner.rule = rule
    return inner
