"""The report as JSON, valid against the shipped ``report.schema.json``."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

__all__ = ["render_json", "report_schema"]


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the report (package data of ``itsm_core.cli``)."""
    text = files("itsm_core.cli").joinpath("report.schema.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def render_json(data: dict[str, Any]) -> str:
    """Render :func:`~itsm_core.cli.report.collect_report` data as indented JSON."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
