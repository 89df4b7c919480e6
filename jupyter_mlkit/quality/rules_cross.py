"""Builders for rules that look beyond the primary table's columns: reference datasets,
CustomSql (run in a sandboxed connection) and the File* rules."""

from __future__ import annotations

import hashlib
import os
import re
from datetime import datetime, timezone
from typing import Any

from .conditions import ConditionError, check_number, check_values, to_datetime
from .model import Rule, Size, String
from .plan import ERROR, FAILED, PASSED, Context, LeafPlan, Outcome, RuleError
from .rules_column import _f, fmt, judge
from .sources import qident


def _one_row(ctx: Context, sql: str) -> dict[str, Any]:
    cur = ctx.con.execute(sql)
    names = [d[0] for d in cur.description]
    row = cur.fetchall()[0]
    return dict(zip(names, row, strict=False))


def b_row_count_match(ctx: Context, rule: Rule) -> LeafPlan:
    alias = rule.args[0]
    ref = ctx.reference(alias)
    key = f"Dataset.{alias}.RowCountMatch"
    sql = (
        f"SELECT (SELECT count(*) FROM {ctx.primary.table}) AS p, "
        f"(SELECT count(*) FROM {ref.table}) AS r"
    )

    def finish(v):
        p, r = v["q"]["p"], v["q"]["r"]
        ratio = 1.0 if p == r == 0 else (p / r if r else 0.0)
        return judge(ctx, rule, key, ratio, {key: ratio})

    return LeafPlan(rule, queries={"q": lambda: _one_row(ctx, sql)}, finish=finish)


def b_schema_match(ctx: Context, rule: Rule) -> LeafPlan:
    alias = rule.args[0]
    ref = ctx.reference(alias)
    p, r = ctx.primary.columns, ref.columns
    same = [c for c, t in p.items() if r.get(c) == t]
    ratio = len(same) / max(len(p), len(r)) if (p or r) else 1.0
    key = f"Dataset.{alias}.SchemaMatch"
    return LeafPlan(rule, finish=lambda v: judge(ctx, rule, key, ratio, {key: ratio}))


def _ref_columns(ctx: Context, spec: str) -> tuple[str, list[str]]:
    """``alias.col`` or ``alias.{c1,c2}`` -> (alias, [cols])."""
    m = re.fullmatch(r"([^.{}]+)\.(?:\{([^}]*)\}|(.+))", spec.strip())
    if not m:
        raise RuleError(f"expected 'alias.column' or 'alias.{{c1,c2}}', got {spec!r}")
    alias = m.group(1)
    cols = m.group(2).split(",") if m.group(2) is not None else [m.group(3)]
    return alias, [c.strip() for c in cols]


def _ref_col(src, name: str, alias: str) -> str:
    real = src.column(name)
    if real is None:
        raise RuleError(f"Column {name!r} does not exist in reference dataset {alias!r}")
    return real


def _hit_join(j: str, source: str, pairs: list[tuple[str, str, str]]) -> str:
    """A LEFT JOIN, aliased ``j``, that finds the row of ``source`` matching a primary row
    (aliased ``base``); :func:`_hit_pred` is then that row's verdict. ``pairs`` are (primary
    column, source expression, "=" or "<=>" for NULL-safe). The joined side is distinct on the
    compared values, so no primary row is repeated."""
    sel = ", ".join(f"{expr} AS {j}_{i}" for i, (_, expr, _op) in enumerate(pairs))
    on = " AND ".join(
        f"base.{qident(col)} {'IS NOT DISTINCT FROM' if op == '<=>' else '='} {j}.{j}_{i}"
        for i, (col, _, op) in enumerate(pairs)
    )
    return f"LEFT JOIN (SELECT DISTINCT {sel}, true AS {j}_hit FROM {source}) AS {j} ON {on}"


def _hit_pred(j: str) -> str:
    return f"({j}.{j}_hit IS NOT NULL)"


def b_referential_integrity(ctx: Context, rule: Rule) -> LeafPlan:
    pcols = [ctx.column(c.strip()) for c in rule.args[0].split(",")]
    alias, rnames = _ref_columns(ctx, rule.args[1])
    ref = ctx.reference(alias)
    rcols = [_ref_col(ref, c, alias) for c in rnames]
    if len(rcols) != len(pcols):
        raise RuleError(f"{len(pcols)} primary columns but {len(rcols)} reference columns")
    on = " AND ".join(f"p.{qident(a)} = r.{qident(b)}" for a, b in zip(pcols, rcols, strict=False))
    distinct = ", ".join(qident(c) for c in rcols)
    sql = (
        f"SELECT count(*) AS n, count(r.__hit) AS hits FROM {ctx.primary.table} p "
        f"LEFT JOIN (SELECT DISTINCT {distinct}, true AS __hit FROM {ref.table}) r ON {on}"
    )
    key = f"Column.{alias}.ReferentialIntegrity"

    def finish(v):
        n, hits = v["q"]["n"], v["q"]["hits"]
        ratio = hits / n if n else 1.0
        return judge(ctx, rule, key, ratio, {key: ratio})

    # Per row: the key tuple is in the reference; NULL keys never match (the denominator above).
    j = ctx.alias("rows")
    join = _hit_join(j, ref.table, [(a, qident(b), "=") for a, b in zip(pcols, rcols, strict=True)])
    return LeafPlan(rule, queries={"q": lambda: _one_row(ctx, sql)}, finish=finish,
                    row_pred=_hit_pred(j), row_join=lambda: join, dataset_level=False)  # fmt: skip


def _mappings(spec: str) -> list[tuple[str, str]]:
    out = []
    for part in spec.split(","):
        if "->" in part:
            a, b = part.split("->", 1)
        else:
            a = b = part
        out.append((a.strip(), b.strip()))
    return out


def b_dataset_match(ctx: Context, rule: Rule) -> LeafPlan:
    alias = rule.args[0]
    ref = ctx.reference(alias)
    keys = [(ctx.column(a), _ref_col(ref, b, alias)) for a, b in _mappings(rule.args[1])]
    if len(rule.args) > 2:
        cmp = [(ctx.column(a), _ref_col(ref, b, alias)) for a, b in _mappings(rule.args[2])]
    else:
        key_cols = {a for a, _ in keys}
        cmp = [(c, ref.column(c)) for c in ctx.primary.columns if c not in key_cols]
        cmp = [(a, b) for a, b in cmp if b is not None]
    on = " AND ".join(f"p.{qident(a)} = r.{qident(b)}" for a, b in keys)
    same = " AND ".join(f"p.{qident(a)} IS NOT DISTINCT FROM r.{qident(b)}" for a, b in cmp)
    matched = f"r.{qident(keys[0][1])} IS NOT NULL" + (f" AND {same}" if same else "")
    pk = ", ".join(qident(a) for a, _ in keys)
    rk = ", ".join(qident(b) for _, b in keys)
    # NULL in any key column is as unsuitable as a duplicate key (counted apart: a multi-column
    # DISTINCT treats a tuple holding a NULL differently in DuckDB and Spark).
    pnull = " OR ".join(f"{qident(a)} IS NULL" for a, _ in keys)
    rnull = " OR ".join(f"{qident(b)} IS NULL" for _, b in keys)
    sql = (
        f"SELECT count(*) AS n, count(*) FILTER (WHERE {matched}) AS hits, "
        f"(SELECT count(*) - count(DISTINCT ({pk})) + count(*) FILTER (WHERE {pnull}) "
        f"FROM {ctx.primary.table}) AS pdup, "
        f"(SELECT count(*) - count(DISTINCT ({rk})) + count(*) FILTER (WHERE {rnull}) "
        f"FROM {ref.table}) AS rdup "
        f"FROM {ctx.primary.table} p LEFT JOIN {ref.table} r ON {on}"
    )
    key = f"Dataset.{alias}.DatasetMatch"

    def finish(v):
        q = v["q"]
        if q["pdup"] or q["rdup"]:
            return Outcome(
                ERROR,
                "Provided key map not suitable for given data frames: the key columns must be "
                "unique and non-null in both datasets",
            )
        ratio = q["hits"] / q["n"] if q["n"] else 1.0
        return judge(ctx, rule, key, ratio, {key: ratio})

    # Per row: joins on the keys and matches on every compared column (NULL matches NULL).
    pairs = [(a, qident(b), "=") for a, b in keys] + [(a, qident(b), "<=>") for a, b in cmp]
    j = ctx.alias("rows")
    join = _hit_join(j, ref.table, pairs)
    return LeafPlan(rule, queries={"q": lambda: _one_row(ctx, sql)}, finish=finish,
                    row_pred=_hit_pred(j), row_join=lambda: join, dataset_level=False)  # fmt: skip


_AGG_RE = re.compile(r"\s*(sum|avg)\s*\(\s*(.+?)\s*\)\s*", re.IGNORECASE)


def _aggregate(ctx: Context, expr: str) -> tuple[str, str]:
    m = _AGG_RE.fullmatch(expr)
    if not m:
        raise RuleError(f"AggregateMatch expects sum(column) or avg(column), got {expr!r}")
    fn, target = m.group(1).lower(), m.group(2)
    src, alias, col = ctx.primary, "primary", target
    if "." in target:
        head, rest = target.split(".", 1)
        if head in ctx.references or head == "primary":
            alias, col = head, rest
            src = ctx.primary if head == "primary" else ctx.references[head]
        elif ctx.primary.column(target) is None and head not in ctx.references:
            src = ctx.reference(head)
    real = src.column(col)
    if real is None:
        raise RuleError(f"Column {col!r} does not exist in dataset {alias!r}")
    return f"(SELECT {fn}({qident(real)}) FROM {src.table})", real


def b_aggregate_match(ctx: Context, rule: Rule) -> LeafPlan:
    s1, c1 = _aggregate(ctx, rule.args[0])
    s2, c2 = _aggregate(ctx, rule.args[1])
    key = f"Column.{c1}.AggregateMatch" if c1 == c2 else f"Column.{c1},{c2}.AggregateMatch"
    sql = f"SELECT {s1} AS a, {s2} AS b"

    def finish(v):
        a, b = _f(v["q"]["a"]) or 0.0, _f(v["q"]["b"]) or 0.0
        ratio = 1.0 if a == b == 0 else (a / b if b else 0.0)
        return judge(ctx, rule, key, ratio, {key: ratio})

    return LeafPlan(rule, queries={"q": lambda: _one_row(ctx, sql)}, finish=finish)


def b_custom_sql(ctx: Context, rule: Rule) -> LeafPlan:
    if ctx.sandbox is None:  # pragma: no cover - the engine always provides one
        raise RuleError("CustomSql is not available here")
    sql = rule.args[0]

    def run() -> dict[str, Any]:
        return ctx.sandbox(sql, rule.condition is None)

    def finish(v):
        res = v["q"]
        if rule.condition is not None:
            key = "Dataset.*.CustomSQL"
            value = res["scalar"]
            if not isinstance(value, (int, float)) or isinstance(value, bool):
                return Outcome(
                    ERROR,
                    "CustomSql with a condition must return one numeric value "
                    f"(one row, one column); got {value!r}",
                )
            return judge(ctx, rule, key, float(value), {key: float(value)})
        key = "Dataset.*.CustomSQL.Compliance"
        n, hits = res["total"], res["matched"]
        ratio = hits / n if n else 1.0
        thr = rule.threshold
        ok = check_number(thr, ratio) if thr is not None else hits == n
        msg = None if ok else f"{100 * ratio:.2f} % of rows passed the threshold"
        return Outcome(PASSED if ok else FAILED, msg, {key: ratio})

    if rule.condition is not None or ctx.custom_rows is None:
        return LeafPlan(rule, queries={"q": run}, finish=finish)
    # Row form: the query runs in the sandbox again only when row verdicts are asked for;
    # its distinct rows are matched back to the primary rows here (NULL matches NULL).
    custom_rows, j = ctx.custom_rows, ctx.alias("rows")
    built: list[str] = []

    def row_join() -> str:
        if not built:
            table, cols = custom_rows(sql)
            built.append(_hit_join(j, table, [(c, expr, "<=>") for expr, c in cols]))
        return built[0]

    return LeafPlan(rule, queries={"q": run}, finish=finish, row_pred=_hit_pred(j),
                    row_join=row_join, dataset_level=False)  # fmt: skip


# ---- File* rules (local files; the dataset's own files unless a path is given) ----------------


def _paths(ctx: Context, rule: Rule) -> list[str]:
    if rule.args:
        p = rule.args[0]
        if re.match(r"(?i)^s3a?://", p):
            raise RuleError("S3 paths are not supported by the local engine; give a local path")
        from .sources import _files

        found = _files(p) if not os.path.isdir(p) else sorted(
            os.path.join(d, f) for d, _, fs in os.walk(p) for f in fs
        )  # fmt: skip
        if not found:
            raise RuleError(f"no file found at {p!r}")
        return found
    if not ctx.data_paths:
        raise RuleError(f"{rule.rule_type} needs a path: the data was not given as files")
    return ctx.data_paths


def _digest(path: str, algo: str = "MD5") -> str:
    name = {"MD5": "md5", "SHA-1": "sha1", "SHA1": "sha1", "SHA-256": "sha256"}.get(
        algo.upper(), algo.lower()
    )
    h = hashlib.new(name)
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def b_file(ctx: Context, rule: Rule) -> LeafPlan:
    t = rule.rule_type
    if t == "FileMatch" and len(rule.args) == 2:
        a, b = _paths(ctx, Rule(t, rule.params[:1])), _paths(ctx, Rule(t, rule.params[1:]))
        ha = sorted(_digest(p) for p in a)
        hb = sorted(_digest(p) for p in b)
        ok = ha == hb
        return LeafPlan(rule, finish=lambda v: Outcome(PASSED if ok else FAILED,
                                                       None if ok else "files differ"))  # fmt: skip
    paths = _paths(ctx, rule)
    if t == "FileMatch":
        algo = rule.tag("hashAlgorithm") or "MD5"
        wanted = {o.value for o in rule.condition.items() if isinstance(o, String)}
        digests = [_digest(p, algo) for p in paths]
        hits = [d in wanted for d in digests]
        ok = all(hits) if rule.condition.op == "in" else not any(hits)
        msg = None if ok else f"checksums ({algo}) do not match: {', '.join(digests)}"
        return LeafPlan(rule, finish=lambda v: Outcome(PASSED if ok else FAILED, msg))
    if t == "FileUniqueness":
        digests = [_digest(p) for p in paths]
        ratio = len(set(digests)) / len(digests)
        key = "Dataset.*.FileUniqueness"
        return LeafPlan(rule, finish=lambda v: judge(ctx, rule, key, ratio, {key: ratio}))
    if t == "FileSize":
        sizes = [os.path.getsize(p) for p in paths]
        return _per_file(rule, sizes, lambda o: float(o.bytes if isinstance(o, Size) else
                                                      float(o.to_dqdl())), "bytes")  # fmt: skip
    mtimes = [
        datetime.fromtimestamp(os.path.getmtime(p), tz=timezone.utc).replace(tzinfo=None)
        for p in paths
    ]
    tz = rule.tag("timeZone")
    return _per_file(rule, mtimes, lambda o: to_datetime(o, ctx.now, tz), "modified")


def _per_file(rule: Rule, values: list, convert, what: str) -> LeafPlan:
    try:
        hits = [check_values(rule.condition, v, convert) for v in values]
    except ConditionError as exc:
        msg = str(exc)
        return LeafPlan(rule, finish=lambda v: Outcome(ERROR, msg))
    ratio = sum(hits) / len(hits)
    thr = rule.threshold
    ok = check_number(thr, ratio) if thr is not None else all(hits)
    bad = [str(v) for v, h in zip(values, hits, strict=False) if not h][:3]
    msg = None if ok else f"{len(hits) - sum(hits)} of {len(hits)} files fail ({what}: {bad})"
    return LeafPlan(rule, finish=lambda v: Outcome(PASSED if ok else FAILED, msg))


BUILDERS = {
    "RowCountMatch": b_row_count_match,
    "SchemaMatch": b_schema_match,
    "ReferentialIntegrity": b_referential_integrity,
    "DatasetMatch": b_dataset_match,
    "AggregateMatch": b_aggregate_match,
    "CustomSql": b_custom_sql,
    "FileMatch": b_file,
    "FileUniqueness": b_file,
    "FileSize": b_file,
    "FileFreshness": b_file,
}

__all__ = ["BUILDERS", "fmt", "FAILED"]
