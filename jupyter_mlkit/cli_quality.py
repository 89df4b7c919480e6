"""``mlkit dq``: run, recommend, validate and explain DQDL rules (thin: the core does the work).

``mlkit dq run`` exits 0 when every rule passed, 1 when some failed, 2 on errors (a rule that
errored, a syntax error, unreadable data).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import MlkitError


class _DqGroup(click.Group):
    """User errors (syntax, unreadable data) as one line and exit status 2, never a traceback."""

    def invoke(self, ctx: click.Context):
        from .quality import DataError

        try:
            return super().invoke(ctx)
        except MlkitError as exc:
            _die(exc.message)
        except DataError as exc:
            _die(str(exc))


def _die(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def _read_rules(rules: str):
    """(text, parsed Ruleset) of a rules file; a syntax error printed as file:line:col."""
    from .quality import DQDLSyntaxError, parse

    path = Path(rules)
    if not path.is_file():
        _die(f"rules file not found: {rules}")
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        return text, parse(text)
    except DQDLSyntaxError as exc:
        click.echo(f"{rules}:{exc.line}:{exc.column}: {exc.message}", err=True)
        sys.exit(2)


def _references(refs: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for ref in refs:
        alias, sep, path = ref.partition("=")
        if not sep or not alias or not path:
            _die(f"--ref takes ALIAS=PATH, not '{ref}'")
        out[alias] = path
    return out


_MARK = {"Passed": "PASS", "Failed": "FAIL", "Error": "ERROR"}


def _table(summary: dict) -> str:
    width = min(60, max([len(r["rule"]) for r in summary["rules"]] + [4]))
    row_level = any(r["failing_rows"] is not None for r in summary["rules"])
    head = f"{'rule':<{width}}  {'outcome':<7}"
    head += "  failing rows" if row_level else ""
    lines = [head + "  message", "-" * (len(head) + 9)]
    for r in summary["rules"]:
        rule = r["rule"] if len(r["rule"]) <= width else r["rule"][: width - 3] + "..."
        line = f"{rule:<{width}}  {_MARK[r['outcome']]:<7}"
        if row_level:
            line += f"  {r['failing_rows'] if r['failing_rows'] is not None else '':>12}"
        message = (r["message"] or "").replace("\n", " ")
        lines.append(f"{line}  {message}".rstrip())
    lines.append(
        f"score {summary['score']:.2f}: {summary['passed']} passed, {summary['failed']} failed, "
        f"{summary['errors']} errors"
    )
    return "\n".join(lines)


@click.group(cls=_DqGroup)
def dq() -> None:
    """Data quality: AWS Glue DQDL rules on CSV, Parquet or JSON-lines files (DuckDB)."""


@dq.command("run")
@click.argument("rules")
@click.argument("data")
@click.option("--json", "json_out", default=None, metavar="OUT", help="Write Glue's result JSON.")
@click.option(
    "--row-level",
    "rows_out",
    default=None,
    metavar="OUT",
    help="Write the rows with their outcomes (.parquet or .csv).",
)
@click.option("--ref", "refs", multiple=True, metavar="ALIAS=PATH", help="A reference dataset.")
@click.option("--name", default=None, help="Record metric history under this dataset name.")
@click.option(
    "--engine",
    type=click.Choice(["duckdb", "spark"]),
    default="duckdb",
    show_default=True,
    help="spark: run on a local SparkSession (needs the 'spark' extra); DATA may be a table.",
)
def dq_run(
    rules: str,
    data: str,
    json_out: str | None,
    rows_out: str | None,
    refs: tuple[str, ...],
    name: str | None,
    engine: str,
) -> None:
    """Evaluate the DQDL file RULES on DATA (a file, folder or glob); prints a per-rule table.

    Exit status: 0 all rules passed, 1 some failed, 2 errors.
    """
    from .jobs.quality_kind import summarize
    from .quality import evaluate

    _text, ruleset = _read_rules(rules)
    spark = None
    if engine == "spark":
        from .quality.spark import local_session

        try:
            spark = local_session()
        except ImportError as exc:
            _die(str(exc))
    result = evaluate(
        ruleset,
        data,
        references=_references(refs) or None,
        row_level=rows_out is not None,
        history=name,
        dataset_name=name or data,
        engine=engine,
        spark=spark,
    )
    if json_out:
        _write(json_out, json.dumps(result.to_dict(), indent=2, default=str))
    if rows_out:
        _write_rows(result.rows, rows_out)
    click.echo(_table(summarize(result)))
    sys.exit(result.exit_code)


def _write(path: str, text: str) -> None:
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    tmp.replace(target)  # never a half-written file under the final name


def _write_rows(rows, path: str) -> None:
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    if target.suffix.lower() == ".csv":
        frame = rows.copy()
        for col in ("DataQualityRulesPass", "DataQualityRulesFail", "DataQualityRulesSkip"):
            frame[col] = frame[col].map(lambda v: json.dumps(list(v)))
        frame.to_csv(tmp, index=False)
    else:
        rows.to_parquet(tmp, index=False)
    tmp.replace(target)


@dq.command("recommend")
@click.argument("data")
@click.option("-o", "--output", default=None, help="Write the ruleset to this file.")
def dq_recommend(data: str, output: str | None) -> None:
    """Print a DQDL ruleset that holds on DATA (a starting point to edit)."""
    from .quality import recommend

    text = recommend(data)
    if output:
        _write(output, text)
        click.echo(f"wrote {text.count(chr(10)) - 1} rules to {output}")
    else:
        click.echo(text)


@dq.command("validate")
@click.argument("rules")
def dq_validate(rules: str) -> None:
    """Check the DQDL file RULES; errors are printed as file:line:col: message."""
    _text, ruleset = _read_rules(rules)
    click.echo(f"{rules}: ok ({len(ruleset.rules)} rules, {len(ruleset.analyzers)} analyzers)")


@dq.command("explain")
@click.argument("rules")
@click.argument("data")
@click.option("--ref", "refs", multiple=True, metavar="ALIAS=PATH", help="A reference dataset.")
@click.option("--row-level", is_flag=True, help="Also show the row-level query.")
def dq_explain(rules: str, data: str, refs: tuple[str, ...], row_level: bool) -> None:
    """Print the SQL that RULES compile to on DATA, and DuckDB's plan (nothing is evaluated)."""
    from .quality import explain

    _text, ruleset = _read_rules(rules)
    click.echo(explain(ruleset, data, references=_references(refs) or None, row_level=row_level))
