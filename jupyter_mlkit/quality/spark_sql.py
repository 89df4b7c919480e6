"""DuckDB SQL to Spark SQL, and the guard that keeps rule SQL inside the registered views.

The rule builders emit DuckDB SQL. On the Spark engine every statement is parsed with sqlglot,
rewritten where sqlglot has no Spark equivalent (full regex matches, fractional epochs, window
FILTERs, ``row_number() OVER ()``) and checked by :func:`guard` before Spark sees it: it must be
one query that reads only the views this run registered, and calls no function that reads files
or reaches into the JVM. CustomSql is read as Spark SQL (Glue's own dialect) and checked the same
way.
"""

from __future__ import annotations

import sqlglot
from sqlglot import exp

# Table-valued or scalar functions that read files or call arbitrary Java code.
BLOCKED_FUNCTIONS = frozenset(
    {
        "read_files",
        "read_parquet",
        "read_csv",
        "read_csv_auto",
        "read_json",
        "read_json_auto",
        "read_text",
        "read_blob",
        "parquet_scan",
        "reflect",
        "java_method",
        "try_reflect",
        "input_file_name",
        "input_file_block_start",
        "input_file_block_length",
    }
)
# Table-valued functions that only generate rows.
SAFE_TABLE_FUNCTIONS = frozenset({"range"})
_QUERY_TYPES = (exp.Select, exp.Union, exp.Intersect, exp.Except, exp.Subquery)
_WRITE_TYPES = (exp.Insert, exp.Create, exp.Drop, exp.Alter, exp.Delete, exp.Update, exp.Merge,
                exp.Command, exp.LoadData, exp.Set, exp.Use)  # fmt: skip
# SELECT TRANSFORM(...) USING 'script' runs a shell command on the executors.
_EXEC_TYPES = (exp.QueryTransform,)


class UnsafeSQL(ValueError):
    """SQL that reads something other than the run's datasets, or is not one query."""


def _func_name(node: exp.Expression) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    if isinstance(node, exp.Func):
        return node.sql_name().lower()
    return ""


def guard(tree: exp.Expression, allowed: set[str], what: str = "the rule's SQL") -> None:
    """Refuse anything but one read-only query over ``allowed`` views (and its own CTEs)."""
    if not isinstance(tree, _QUERY_TYPES) and not isinstance(tree, exp.Query):
        kind = tree.key.upper() if tree is not None else "nothing"
        raise UnsafeSQL(f"{what} must be one SELECT query, not {kind}")
    ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
    views = {a.lower() for a in allowed}
    for node in tree.walk():
        if isinstance(node, _WRITE_TYPES):
            raise UnsafeSQL(f"{what} may only read data: {node.key.upper()} is not allowed")
        if isinstance(node, _EXEC_TYPES):
            raise UnsafeSQL(f"{what} may not run scripts (TRANSFORM ... USING)")
        if isinstance(node, exp.Func):
            name = _func_name(node)
            if name in BLOCKED_FUNCTIONS:
                raise UnsafeSQL(f"{what} may not call {name}()")
        if isinstance(node, exp.Table):
            if not isinstance(node.this, exp.Identifier):
                name = _func_name(node.this) or node.this.sql("spark")
                if name in SAFE_TABLE_FUNCTIONS:
                    continue
                raise UnsafeSQL(f"{what} may not read from {name}: only the rule's datasets")
            qualified = ".".join(p.name for p in node.parts)
            name = node.name.lower()
            in_scope = name in views or (name in ctes and _cte_in_scope(node, name))
            if node.args.get("db") or node.args.get("catalog") or not in_scope:
                raise UnsafeSQL(
                    f"{what} may not read {qualified!r}: only the datasets of this run "
                    "(primary and its references) can be read"
                )


def _cte_in_scope(node: exp.Expression, name: str) -> bool:
    """Is ``name`` a CTE of a query enclosing ``node`` (not a CTE of some other sub-query that
    happens to share a real table's name)?"""
    parent = node.parent
    while parent is not None:
        with_ = parent.args.get("with_") or parent.args.get("with")
        if isinstance(with_, exp.With) and any(
            c.alias_or_name.lower() == name for c in with_.expressions
        ):
            return True
        parent = parent.parent
    return False


def _rewrite(node: exp.Expression) -> exp.Expression:
    """One node's Spark form, for what sqlglot leaves DuckDB-specific."""
    if isinstance(node, exp.RegexpFullMatch):
        # Java's RLIKE finds a match anywhere; anchor it (\z: the very end, no newline slack).
        pattern = node.expression
        if isinstance(pattern, exp.Literal) and pattern.is_string:
            anchored: exp.Expression = exp.Literal.string(f"^(?:{pattern.this})\\z")
        else:
            anchored = exp.func("concat", exp.Literal.string("^(?:"), pattern,
                                exp.Literal.string(")\\z"))  # fmt: skip
        return exp.RegexpLike(this=node.this, expression=anchored)
    if isinstance(node, exp.TimeToUnix):
        # DuckDB's epoch() keeps fractions of a second; Spark's unix_timestamp() does not.
        micros = exp.func("unix_micros", exp.cast(node.this, "TIMESTAMP"))
        return exp.paren(exp.Div(this=micros, expression=exp.Literal.number("1000000.0")))
    if isinstance(node, exp.Window):
        inner = node.this
        if (
            isinstance(inner, exp.RowNumber)
            and not node.args.get("partition_by")
            and not (node.args.get("order"))
        ):
            # row_number() needs an ORDER BY in Spark; a scan-order id serves the same purpose.
            return exp.func("monotonically_increasing_id")
        if isinstance(inner, exp.Filter):
            # Spark has no FILTER on window aggregates: count the matching rows with a CASE.
            agg, cond = inner.this, inner.expression.this
            if isinstance(agg, exp.Count):
                case = exp.Case(ifs=[exp.If(this=cond, true=exp.Literal.number(1))])
                node = node.copy()
                node.set("this", exp.Count(this=case))
                return node
    return node


def to_spark(sql: str, allowed: set[str]) -> str:
    """Transpile one DuckDB statement to Spark SQL, refusing what :func:`guard` refuses."""
    trees = [t for t in sqlglot.parse(sql, read="duckdb") if t is not None]
    if len(trees) != 1:
        raise UnsafeSQL(f"expected one SQL statement, got {len(trees)}")
    tree = trees[0].transform(_rewrite)
    guard(tree, allowed)
    out = tree.sql(dialect="spark")
    guard(sqlglot.parse_one(out, read="spark"), allowed)  # what Spark gets is checked too
    return out


def user_query(sql: str, allowed: set[str], what: str = "CustomSql") -> str:
    """Parse a user's Spark SQL query, check it, and give it back as Spark SQL."""
    try:
        trees = [t for t in sqlglot.parse(sql, read="spark") if t is not None]
    except sqlglot.errors.ParseError as exc:
        msg = str(exc).strip().splitlines()[0]
        raise UnsafeSQL(f"{what} is not valid Spark SQL: {msg}") from None
    if len(trees) != 1:
        raise UnsafeSQL(f"{what} must be one statement, got {len(trees)}")
    guard(trees[0], allowed, what)
    out = trees[0].sql(dialect="spark")
    guard(sqlglot.parse_one(out, read="spark"), allowed, what)  # what Spark gets is checked too
    return out
