"""The DQDL rule-type table (from awslabs/dqdl ``rules-config.json``, restated as Python).

Each rule type has one or more variants that differ by parameter count; ``var_arg`` variants take
one or more parameters. ``returns`` says which condition the rule takes:
``number`` (required numeric condition), ``boolean`` (no condition), ``number|boolean``
(optional numeric condition: CustomSql), ``string`` (string condition), ``values`` (ColumnValues:
string, number or date condition), ``duration``, ``date``, ``size``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleType:
    name: str
    params: tuple[str, ...]
    returns: str
    where: bool = False
    threshold: bool = False
    var_arg: bool = False
    analyzer_only: bool = False
    excluded_in_row_composites: bool = False
    experimental: bool = False

    @property
    def boolean(self) -> bool:
        return self.returns == "boolean"


def _t(name, params, returns, **kw) -> RuleType:
    return RuleType(name, tuple(params), returns, **kw)


_COL = ("TargetColumn",)

RULE_TYPES: tuple[RuleType, ...] = (
    _t("RowCount", (), "number", where=True),
    _t("RowCountMatch", ("ReferenceDatasetAlias",), "number"),
    _t("ColumnCount", (), "number"),
    _t("Completeness", _COL, "number", where=True, excluded_in_row_composites=True),
    _t("IsComplete", _COL, "boolean", where=True),
    _t("ColumnDataType", _COL, "string", where=True, threshold=True),
    _t("ColumnNamesMatchPattern", ("PatternToMatch",), "boolean"),
    _t("ColumnExists", _COL, "boolean"),
    _t("ColumnCorrelation", ("TargetColumn1", "TargetColumn2"), "number", where=True),
    _t(
        "Uniqueness",
        _COL,
        "number",
        where=True,
        var_arg=True,
        excluded_in_row_composites=True,
    ),
    _t("IsUnique", _COL, "boolean", where=True, var_arg=True),
    _t("Mean", _COL, "number", where=True),
    _t("Sum", _COL, "number", where=True),
    _t("StandardDeviation", _COL, "number", where=True),
    _t("Variance", _COL, "number", where=True),
    _t("Entropy", _COL, "number", where=True),
    _t("DistinctValuesCount", _COL, "number", where=True),
    _t("UniqueValueRatio", _COL, "number", where=True),
    _t("ColumnLength", _COL, "number", where=True),
    _t("IsPrimaryKey", _COL, "boolean", where=True, var_arg=True),
    _t("ColumnValues", _COL, "values", where=True, threshold=True),
    _t("DataFreshness", _COL, "duration", where=True),
    _t("CustomSql", ("CustomSqlStatement",), "number|boolean", threshold=True),
    _t(
        "ReferentialIntegrity",
        ("PrimaryDatasetColumns", "ReferenceDatasetColumns"),
        "number",
        excluded_in_row_composites=True,
    ),
    _t(
        "DatasetMatch",
        ("ReferenceDatasetAlias", "KeyColumnMappings"),
        "number",
        excluded_in_row_composites=True,
    ),
    _t(
        "DatasetMatch",
        ("ReferenceDatasetAlias", "KeyColumnMappings", "MatchColumnMappings"),
        "number",
    ),
    _t("SchemaMatch", ("ReferenceDatasetAlias",), "number"),
    _t("AggregateMatch", ("AggregateExpression1", "AggregateExpression2"), "number"),
    _t("DetectAnomalies", ("MetricParameter",), "boolean", var_arg=True),
    _t("AllStatistics", _COL, "number", analyzer_only=True),
    _t("FileMatch", ("DataPath", "CompareDataPath"), "boolean", experimental=True),
    _t("FileMatch", ("DataPath",), "string", experimental=True),
    _t("FileMatch", (), "string", experimental=True),
    _t("FileUniqueness", ("DataPath",), "number", experimental=True),
    _t("FileUniqueness", (), "number", experimental=True),
    _t("FileFreshness", ("DataPath",), "date", threshold=True, experimental=True),
    _t("FileFreshness", (), "date", threshold=True, experimental=True),
    _t("FileSize", ("DataPath",), "size", threshold=True, experimental=True),
    _t("FileSize", (), "size", threshold=True, experimental=True),
)

RULE_TYPE_NAMES: tuple[str, ...] = tuple(dict.fromkeys(t.name for t in RULE_TYPES))

# Rule types whose per-row verdict feeds the row-level outcome columns.
ROW_LEVEL_TYPES = frozenset(
    {
        "IsComplete",
        "Completeness",
        "ColumnValues",
        "ColumnLength",
        "IsUnique",
        "Uniqueness",
        "IsPrimaryKey",
        "DataFreshness",
        "ColumnDataType",
        "CustomSql",
        "ReferentialIntegrity",
    }
)


def variants(name: str) -> list[RuleType]:
    return [t for t in RULE_TYPES if t.name == name]


def lookup(name: str, n_params: int) -> RuleType | None:
    """The variant of ``name`` taking ``n_params`` parameters, or None."""
    for t in variants(name):
        if (t.var_arg and n_params >= 1) or (not t.var_arg and len(t.params) == n_params):
            return t
    return None


def describe_arity(name: str) -> str:
    counts = []
    for t in variants(name):
        counts.append("1 or more" if t.var_arg else str(len(t.params)))
    return " or ".join(dict.fromkeys(counts))
