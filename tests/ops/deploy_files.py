"""Readers for deploy/: the PromQL expressions of the alert rules and the dashboard, and the
metric names they use. Shared by the static checks and the real-worker scrape test."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ALERTS = DEPLOY / "prometheus" / "alerts.yml"
DASHBOARD = DEPLOY / "grafana" / "dashboards" / "chaff.json"

# Series Prometheus makes up itself rather than scraping from the worker.
SYNTHETIC_METRICS = frozenset({"up"})

_PROMQL_KEYWORDS = frozenset(
    {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or"}
    | {"unless", "offset", "inf", "nan", "atan2", "start", "end"}
)
_STRIP = (
    re.compile(r'"(?:[^"\\]|\\.)*"'),  # string literals
    re.compile(r"\{[^}]*\}"),  # label matchers
    re.compile(r"\[[^\]]*\]"),  # range / subquery selectors
    re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)"),  # label lists
    re.compile(r"\$\w+"),  # Grafana variables
)
_IDENTIFIER = re.compile(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression (promtool is not available; this is a lexer pass)."""
    for pattern in _STRIP:
        expr = pattern.sub(" ", expr)
    return {
        match.group(1)
        for match in _IDENTIFIER.finditer(expr)
        if match.group(2) is None and match.group(1).lower() not in _PROMQL_KEYWORDS
    }


def alert_rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text())
    return [rule for group in document["groups"] for rule in group["rules"]]


def dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text())
    return loaded


def dashboard_exprs() -> Iterator[str]:
    for panel in dashboard()["panels"]:
        for target in panel.get("targets", []):
            yield target["expr"]


def referenced_metrics() -> dict[str, set[str]]:
    """metric name -> where it is used (alert names, panel titles)."""
    used: dict[str, set[str]] = {}
    for rule in alert_rules():
        for name in metric_names(rule["expr"]):
            used.setdefault(name, set()).add(f"alert {rule['alert']}")
    for panel in dashboard()["panels"]:
        for target in panel.get("targets", []):
            for name in metric_names(target["expr"]):
                used.setdefault(name, set()).add(f"panel {panel['title']!r}")
    return used
