"""REST handlers for data quality (thin: the logic is in jupyter_mlkit.quality and its jobs)."""

from __future__ import annotations

from typing import Any

from tornado.web import authenticated

from ..errors import BadParameters
from .base import API, MlkitHandler

MAX_TEXT_CHARS = 1_000_000
MAX_HISTORY_RUNS = 1000


def validate_text(text: Any) -> dict[str, Any]:
    """{ok, errors: [{line, column, message}]} for a DQDL document; never raises on its text."""
    from ..quality import DQDLSyntaxError, parse

    if not isinstance(text, str):
        raise BadParameters("body must set 'text' to the DQDL document", details={"field": "text"})
    if len(text) > MAX_TEXT_CHARS:
        raise BadParameters("the document is larger than 1 MB", details={"field": "text"})
    try:
        ruleset = parse(text)
    except DQDLSyntaxError as exc:
        return {"ok": False, "errors": [exc.to_dict()]}
    except RecursionError:
        # Pathologically deep nesting: still an answer the editor can show, not a 500.
        return {
            "ok": False,
            "errors": [{"line": 1, "column": 1, "message": "the document is nested too deeply"}],
        }
    except Exception as exc:  # the editor must always get an answer, never a 500
        return {"ok": False, "errors": [{"line": 1, "column": 1, "message": str(exc)}]}
    return {
        "ok": True,
        "errors": [],
        "rules": len(ruleset.rules),
        "analyzers": len(ruleset.analyzers),
    }


def rule_types() -> dict[str, Any]:
    from ..quality.rule_types import RULE_TYPES

    seen: dict[str, dict[str, Any]] = {}
    for t in RULE_TYPES:
        entry = seen.setdefault(
            t.name,
            {
                "name": t.name,
                "parameters": list(t.params),
                "returns": t.returns,
                "where": t.where,
                "threshold": t.threshold,
                "analyzer_only": t.analyzer_only,
            },
        )
        entry["where"] = entry["where"] or t.where
        entry["threshold"] = entry["threshold"] or t.threshold
    keywords = ["Rules", "Analyzers", "Metadata", "DataSources", "DefaultLabels", "Labels"]
    keywords += ["and", "or", "not", "in", "between", "matches", "with", "where", "threshold"]
    keywords += ["NULL", "EMPTY", "WHITESPACES_ONLY", "now", "last", "days", "hours", "of"]
    return {"rule_types": sorted(seen.values(), key=lambda e: e["name"]), "keywords": keywords}


class ValidateHandler(MlkitHandler):
    @authenticated
    async def post(self):
        body = self.json_body()
        await self.respond(validate_text, body.get("text"))


class RunHandler(MlkitHandler):
    @authenticated
    async def post(self):
        body = self.json_body()
        await self.respond(self._create, "dq-run", body, status=201)

    def _create(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        job = self.jobs.store.create(kind, body, root_dir=self.root_dir, origin="api")
        self.jobs.tick()
        return self.jobs.store.get(job["id"])


class RecommendHandler(RunHandler):
    @authenticated
    async def post(self):
        body = self.json_body()
        await self.respond(self._create, "dq-recommend", body, status=201)


class HistoryHandler(MlkitHandler):
    @authenticated
    async def get(self):
        dataset = self.get_query_argument("dataset", "")
        ruleset = self.get_query_argument("ruleset", "") or None
        metric = self.get_query_argument("metric", "") or None
        limit = self.int_arg("limit", 100)
        await self.respond(self._history, dataset, ruleset, metric, limit)

    def _history(self, dataset: str, ruleset: str | None, metric: str | None, limit: int):
        from ..quality import MetricHistory

        if not dataset:
            raise BadParameters(
                "query argument 'dataset' is required", details={"field": "dataset"}
            )
        if not 1 <= limit <= MAX_HISTORY_RUNS:
            raise BadParameters(f"limit must be 1..{MAX_HISTORY_RUNS}", details={"field": "limit"})
        history = MetricHistory(dataset, ruleset, db_path=str(self.settings["mlkit_db"].path))
        runs = history.runs()[-limit:]
        names = history.metrics()
        wanted = [metric] if metric else names
        since = runs[0]["recorded_at"] if runs else None
        series = {
            name: [
                {"recorded_at": at.isoformat(), "value": value}
                for at, value in history.series(name)
                if since is None or at.isoformat() >= since
            ]
            for name in wanted
        }
        return {
            "dataset": dataset,
            "ruleset": ruleset,
            "runs": runs,
            "metric_names": names,
            "metrics": series,
        }


class RuleTypesHandler(MlkitHandler):
    @authenticated
    async def get(self):
        await self.respond(rule_types)


HANDLERS = [
    (rf"{API}/quality/validate", ValidateHandler),
    (rf"{API}/quality/run", RunHandler),
    (rf"{API}/quality/recommend", RecommendHandler),
    (rf"{API}/quality/history", HistoryHandler),
    (rf"{API}/quality/rule-types", RuleTypesHandler),
]
