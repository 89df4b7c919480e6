"""From computed values to verdicts: one leaf rule's outcome, composites, analyzers, labels."""

from __future__ import annotations

from typing import Any

from .model import Group, Rule, RuleExpr, Ruleset
from .plan import ERROR, FAILED, PASSED, LeafPlan, Outcome, RuleError
from .result import AnalyzerOutcome


def values_for(plan: LeafPlan, v: dict[str, Any]) -> dict[str, Any]:
    alias = v.get("__freq_alias__", {})
    out = dict(v)
    for prefix in plan.freqs:
        src = alias.get(prefix, prefix)
        if src != prefix:
            for suffix in ("groups", "singles", "total", "nlogn"):
                out[f"{prefix}_{suffix}"] = v.get(f"{src}_{suffix}")
    return out


def finish(plan: LeafPlan, values: dict[int, dict], i: int) -> Outcome:
    if plan.error is not None:
        return Outcome(ERROR, plan.error)
    try:
        return plan.finish(values_for(plan, values[i]))
    except RuleError as exc:
        return Outcome(ERROR, str(exc))
    except (ZeroDivisionError, TypeError, ValueError) as exc:
        return Outcome(ERROR, f"could not evaluate: {exc}")


def combine(node: RuleExpr, leaf_outcomes: dict[int, Outcome]) -> Outcome:
    if isinstance(node, Rule):
        return leaf_outcomes[id(node)]
    if isinstance(node, Group):
        return combine(node.inner, leaf_outcomes)
    parts = [combine(o, leaf_outcomes) for o in node.operands]
    metrics: dict[str, float] = {}
    for p in parts:
        metrics.update(p.metrics)
    msgs = "\n".join(p.message for p in parts if p.message and p.outcome != PASSED) or None
    obs = [o for p in parts for o in p.observations]
    kinds = [p.outcome for p in parts]
    if node.op == "and":
        outcome = ERROR if ERROR in kinds else (PASSED if all(k == PASSED for k in kinds)
                                                else FAILED)  # fmt: skip
    else:
        outcome = PASSED if PASSED in kinds else (ERROR if ERROR in kinds else FAILED)
    return Outcome(outcome, msgs if outcome != PASSED else None, metrics, observations=obs)


def rule_labels(rs: Ruleset, node: RuleExpr) -> dict[str, str]:
    labels = dict(rs.default_labels)
    labels.update(dict(getattr(node, "labels", ()) or ()))
    return labels


def analyzer_outcomes(rs, analyzer_plans, values, offset):
    outs: dict[int, AnalyzerOutcome] = {}
    merged: dict[str, float] = {}
    for k, (ai, plan) in enumerate(analyzer_plans):
        a = rs.analyzers[ai]
        entry = outs.setdefault(ai, AnalyzerOutcome(a.to_dqdl(), name=f"Analyzer_{ai + 1}"))
        out = finish(plan, values, offset + k)
        if out.outcome == ERROR:
            entry.message = out.message
            continue
        for key, value in out.metrics.items():
            if key.endswith(".Compliance") or value is None:
                continue
            entry.metrics[key] = value
            merged[key] = value
    return [outs[i] for i in sorted(outs)], merged
