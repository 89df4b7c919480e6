"""Great Expectations interop: DQDL -> an ExpectationSuite, and GE results -> QualityResult.

Only rules with a faithful equivalent are converted; the others are returned in a list with the
reason, so nothing is dropped silently. Differences to keep in mind: GE's ``ExpectColumnStdev``
uses the sample standard deviation (DQDL uses the population one), so that rule is not mapped.
"""

from __future__ import annotations

from typing import Any

from .conditions import ConditionError, eval_number
from .model import Composite, Group, Keyword, Rule, Ruleset, String
from .parser import parse
from .result import QualityResult, RuleOutcome


def _gx():
    try:
        import great_expectations as gx
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(
            "Great Expectations is not installed: pip install 'jupyter_mlkit[gx]'"
        ) from exc
    return gx


def _bounds(rule: Rule) -> dict[str, Any] | None:
    """min/max kwargs (with strictness) for a numeric condition, or None if not expressible."""
    cond = rule.condition
    try:
        vals = [float(eval_number(o)) for o in cond.items() if not isinstance(o, Keyword)]
    except ConditionError:
        return None  # dynamic (history) conditions have no static equivalent
    op = cond.op
    if op == "between":
        return {"min_value": vals[0], "max_value": vals[1], "strict_min": True, "strict_max": True}
    if op == ">":
        return {"min_value": vals[0], "strict_min": True}
    if op == ">=":
        return {"min_value": vals[0]}
    if op == "<":
        return {"max_value": vals[0], "strict_max": True}
    if op == "<=":
        return {"max_value": vals[0]}
    if op == "=":
        return {"min_value": vals[0], "max_value": vals[0]}
    return None


def _mostly(rule: Rule) -> dict[str, float]:
    thr = rule.threshold
    if thr is None:
        return {}
    if thr.op in (">", ">="):
        return {"mostly": float(eval_number(thr.operands[0]))}
    raise ValueError("only 'with threshold >' or '>=' has a GE equivalent (mostly)")


def _convert(rule: Rule, E) -> list[Any]:
    t, args = rule.rule_type, rule.args
    if rule.where:
        raise ValueError("where clauses have no GE equivalent here (use a batch filter)")
    col = {"column": args[0]} if args else {}
    if t == "RowCount":
        b = _bounds(rule)
        if b and rule.condition.op == "=":
            return [E.ExpectTableRowCountToEqual(value=int(b["min_value"]))]
        if b:
            return [E.ExpectTableRowCountToBeBetween(**_no_strict(b))] if not _strict(b) else []
    if t == "ColumnCount" and rule.condition.op == "=":
        return [E.ExpectTableColumnCountToEqual(value=int(eval_number(rule.condition.operands[0])))]
    if t == "ColumnExists":
        return [E.ExpectColumnToExist(**col)]
    if t == "IsComplete":
        return [E.ExpectColumnValuesToNotBeNull(**col)]
    if t == "Completeness" and rule.condition.op == ">=":
        return [E.ExpectColumnValuesToNotBeNull(**col, mostly=_bounds(rule)["min_value"])]
    if t == "IsUnique":
        if len(args) == 1:
            return [E.ExpectColumnValuesToBeUnique(**col)]
        return [E.ExpectCompoundColumnsToBeUnique(column_list=args)]
    if t == "IsPrimaryKey" and len(args) == 1:
        return [E.ExpectColumnValuesToNotBeNull(**col), E.ExpectColumnValuesToBeUnique(**col)]
    if t in ("Mean", "Sum", "DistinctValuesCount") and (b := _bounds(rule)):
        cls = {
            "Mean": E.ExpectColumnMeanToBeBetween,
            "Sum": E.ExpectColumnSumToBeBetween,
            "DistinctValuesCount": E.ExpectColumnUniqueValueCountToBeBetween,
        }[t]
        return [cls(**col, **b)]
    if t == "ColumnLength" and (b := _bounds(rule)):
        if rule.condition.op == "=":
            return [E.ExpectColumnValueLengthsToEqual(**col, value=int(b["min_value"]))]
        return [E.ExpectColumnValueLengthsToBeBetween(**col, **b)]
    if t == "ColumnValues":
        return _values(rule, E, col)
    raise ValueError(f"{t} (in this form) has no Great Expectations equivalent")


def _strict(b: dict) -> bool:
    return bool(b.get("strict_min") or b.get("strict_max"))


def _no_strict(b: dict) -> dict:
    return {k: v for k, v in b.items() if not k.startswith("strict")}


def _values(rule: Rule, E, col: dict) -> list[Any]:
    cond = rule.condition
    items = cond.items()
    if any(isinstance(o, Keyword) for o in items):
        raise ValueError("NULL/EMPTY/WHITESPACES_ONLY have no Great Expectations equivalent")
    mostly = _mostly(rule)
    if cond.op in ("in", "not in", "=", "!="):
        values = [o.value if isinstance(o, String) else float(eval_number(o)) for o in items]
        if cond.op in ("in", "="):
            return [E.ExpectColumnValuesToBeInSet(**col, value_set=values, **mostly)]
        return [E.ExpectColumnValuesToNotBeInSet(**col, value_set=values, **mostly)]
    if cond.op == "matches":
        regex = f"^(?:{items[0].value})$"
        return [E.ExpectColumnValuesToMatchRegex(**col, regex=regex, **mostly)]
    if any(isinstance(o, String) for o in items):
        raise ValueError("date comparisons have no direct Great Expectations equivalent")
    b = _bounds(rule)
    if b is None:
        raise ValueError("this condition has no Great Expectations equivalent")
    return [E.ExpectColumnValuesToBeBetween(**col, **b, **mostly)]


def to_expectation_suite(ruleset: str | Ruleset, name: str = "mlkit-dqdl"):
    """``(suite, unsupported)``: a GE ExpectationSuite and ``[(rule text, reason), ...]``."""
    gx = _gx()
    E = gx.expectations
    rs = parse(ruleset) if isinstance(ruleset, str) else ruleset
    gx.get_context(mode="ephemeral")  # GE 1.x needs an active context to build a suite
    suite = gx.ExpectationSuite(name=name)
    unsupported: list[tuple[str, str]] = []
    for node in rs.rules:
        rule = node.inner if isinstance(node, Group) and isinstance(node.inner, Rule) else node
        if isinstance(rule, (Composite, Group)):
            unsupported.append((node.to_dqdl(), "composite rules have no GE equivalent"))
            continue
        try:
            exps = _convert(rule, E)
            if not exps:
                raise ValueError("exclusive bounds on the row count have no GE equivalent")
        except (ValueError, ConditionError) as exc:
            unsupported.append((node.to_dqdl(), str(exc)))
            continue
        for e in exps:
            e.meta = {"dqdl": rule.to_dqdl()}
            suite.add_expectation(e)
    return suite, unsupported


def validate_with_gx(suite, df) -> QualityResult:
    """Run a GE suite on a pandas DataFrame (ephemeral context) and convert the result."""
    gx = _gx()
    context = gx.get_context(mode="ephemeral")
    source = context.data_sources.add_pandas("mlkit")
    asset = source.add_dataframe_asset("frame")
    batch = asset.add_batch_definition_whole_dataframe("all").get_batch(
        batch_parameters={"dataframe": df}
    )
    return from_gx_result(batch.validate(suite))


def from_gx_result(result: Any) -> QualityResult:
    """Convert a GE validation result (object or its JSON dict) into a QualityResult."""
    data = result.to_json_dict() if hasattr(result, "to_json_dict") else result
    outcomes = []
    for i, r in enumerate(data.get("results", []), start=1):
        cfg = r.get("expectation_config", {})
        kind = cfg.get("type") or cfg.get("expectation_type", "expectation")
        kwargs = {k: v for k, v in (cfg.get("kwargs") or {}).items() if k != "batch_id"}
        text = (cfg.get("meta") or {}).get("dqdl") or f"{kind}({_kw(kwargs)})"
        info = r.get("exception_info") or {}
        raised = info.get("raised_exception") if isinstance(info, dict) else False
        res = r.get("result") or {}
        metrics = _gx_metrics(kind, kwargs, res)
        if raised:
            outcome, msg = "Error", info.get("exception_message")
        elif r.get("success"):
            outcome, msg = "Passed", None
        else:
            outcome, msg = "Failed", _gx_message(res)
        outcomes.append(RuleOutcome(text, outcome, msg, metrics, rule_type=kind, name=f"Rule_{i}"))
    score = sum(o.outcome == "Passed" for o in outcomes) / len(outcomes) if outcomes else 1.0
    return QualityResult(score=score, outcomes=outcomes)


def _kw(kwargs: dict) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def _gx_metrics(kind: str, kwargs: dict, res: dict) -> dict[str, float]:
    col = kwargs.get("column")
    scope = f"Column.{col}" if col else "Dataset.*"
    out: dict[str, float] = {}
    observed = res.get("observed_value")
    if isinstance(observed, (int, float)) and not isinstance(observed, bool):
        out[f"{scope}.{kind}"] = float(observed)
    if res.get("element_count"):
        unexpected = res.get("unexpected_count") or 0
        out[f"{scope}.{kind}.Compliance"] = 1 - unexpected / res["element_count"]
    return out


def _gx_message(res: dict) -> str:
    if "unexpected_count" in res:
        sample = res.get("partial_unexpected_list") or []
        return f"{res['unexpected_count']} unexpected values (e.g. {sample[:3]})"
    if "observed_value" in res:
        return f"observed value {res['observed_value']!r} is outside the expectation"
    return "expectation failed"
