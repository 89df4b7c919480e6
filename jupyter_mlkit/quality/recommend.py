"""Rule recommendation, Deequ/Glue style (spec §5.1), computed with DuckDB.

Every suggested rule holds on the data it was profiled from, so the returned document parses
and scores 1.0 on that data. Columns with NULLs get a threshold on value rules instead of a rule
that NULL rows would fail.
"""

from __future__ import annotations

import math
from typing import Any

import duckdb

from .model import quote
from .sources import is_numeric, is_string, qident, register

Z95 = 1.96
MAX_CATEGORIES = 120


def _num(v: float) -> str:
    if float(v).is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(float(v))


def wald_lower(p: float, n: int) -> float:
    """Lower bound of a 95 % Wald interval on a proportion, truncated to 2 decimals."""
    bound = p - Z95 * math.sqrt(p * (1 - p) / n) if n else p
    return max(0.0, math.floor(bound * 100) / 100)


def _floor2(x: float) -> float:
    return math.floor(x * 100) / 100


def _integral(t: str) -> bool:
    return t.upper().replace("U", "") in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HGEINT")


def recommend(data: Any) -> str:
    """A DQDL ruleset describing ``data`` (DataFrame, Arrow table or path/glob of files)."""
    con = duckdb.connect(":memory:")
    try:
        src = register(con, "__dq_rec", data)
        rules = _recommend(con, src.table, src.columns)
    finally:
        con.close()
    return "Rules = [\n" + ",\n".join("    " + r for r in rules) + "\n]"


def _profile(con, table: str, columns: dict[str, str]) -> tuple[int, dict[str, dict]]:
    exprs = ["count(*)"]
    for c, t in columns.items():
        q = qident(c)
        exprs += [f"count({q})", f"count(DISTINCT {q})"]
        if is_numeric(t):
            exprs += [f"min({q})::DOUBLE", f"max({q})::DOUBLE", f"stddev_pop({q})::DOUBLE"]
        elif is_string(t):
            ln = f"length(coalesce({q}, ''))"
            exprs += [f"min({ln})", f"max({ln})"]
    row = con.execute(f"SELECT {', '.join(exprs)} FROM {table}").fetchall()[0]
    n = int(row[0])
    out, i = {}, 1
    for c, t in columns.items():
        p = {"nn": int(row[i]), "distinct": int(row[i + 1]), "type": t}
        i += 2
        if is_numeric(t):
            p["min"], p["max"], p["std"] = row[i], row[i + 1], row[i + 2]
            i += 3
        elif is_string(t):
            p["minlen"], p["maxlen"] = row[i], row[i + 1]
            i += 2
        out[c] = p
    return n, out


def _recommend(con, table: str, columns: dict[str, str]) -> list[str]:
    n, prof = _profile(con, table, columns)
    rules = [f"RowCount between {_num(0.5 * n)} and {_num(2 * n)}"]
    if n == 0:
        return rules
    for c, p in prof.items():
        col = quote(c)
        completeness = p["nn"] / n
        if completeness == 1.0:
            rules.append(f"IsComplete {col}")
        elif completeness > 0.2:
            bound = wald_lower(completeness, n)
            if bound > 0:
                rules.append(f"Completeness {col} >= {_num(bound)}")
        if p["nn"] == 0:
            continue
        # Rows failing a value rule only because they are NULL: allow them with a threshold.
        thr = "" if completeness == 1.0 else f" with threshold >= {_num(_floor2(completeness))}"
        if completeness == 1.0 and p["distinct"] / n >= 0.92:
            uniq = _uniqueness(con, table, c)
            if uniq > 0.95:
                rules.append(f"Uniqueness {col} > 0.95")
        t = p["type"]
        if p["distinct"] <= MAX_CATEGORIES and (is_string(t) or _integral(t) or t == "BOOLEAN"):
            rules += _categorical(con, table, c, n)
        if is_numeric(t) and p["min"] is not None:
            lo, hi = p["min"] - 1, p["max"] + 1
            rules.append(f"ColumnValues {col} between {_num(lo)} and {_num(hi)}{thr}")
            if p["std"] and p["std"] > 0:
                sd = p["std"]
                rules.append(
                    f"StandardDeviation {col} between {_num(0.95 * sd)} and {_num(1.05 * sd)}"
                )
        if is_string(t):
            lo, hi = int(p["minlen"]), int(p["maxlen"])
            if lo == hi:
                rules.append(f"ColumnLength {col} = {hi}")
            elif lo == 0:
                rules.append(f"ColumnLength {col} <= {hi}")
            else:
                rules.append(f"ColumnLength {col} between {lo - 1} and {hi + 1}")
    return rules


def _uniqueness(con, table: str, c: str) -> float:
    q = qident(c)
    singles, total = con.execute(
        f"SELECT count(*) FILTER (WHERE k = 1), sum(k) FROM "
        f"(SELECT count(*) AS k FROM {table} WHERE {q} IS NOT NULL GROUP BY {q})"
    ).fetchall()[0]
    return singles / total if total else 0.0


def _categorical(con, table: str, c: str, n: int) -> list[str]:
    q = qident(c)
    hist = con.execute(
        f"SELECT CAST({q} AS VARCHAR) AS v, count(*) AS k FROM {table} WHERE {q} IS NOT NULL "
        f"GROUP BY 1 ORDER BY k DESC, v"
    ).fetchall()
    if not hist:
        return []
    singles = sum(1 for _, k in hist if k == 1) / len(hist)
    values = [v for v, _ in hist]
    has_null = sum(k for _, k in hist) < n
    if singles <= 0.1:
        listed = ",".join(quote(v) for v in values) + (",NULL" if has_null else "")
        return [f"ColumnValues {quote(c)} in [{listed}]"]
    if singles <= 0.4:
        covered, top = 0, []
        for v, k in hist:
            if covered / n >= 0.9:
                break
            covered += k
            top.append(v)
        share = covered / n
        if 0.9 <= share < 1.0:
            listed = ",".join(quote(v) for v in top)
            bound = wald_lower(share, n)
            return [f"ColumnValues {quote(c)} in [{listed}] with threshold >= {_num(bound)}"]
    return []
