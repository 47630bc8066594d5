"""Fields every campaign's parameter form shares, declared once: what a coordinator reads in the Prefect UI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field

COMPUTE_ONLY = "只计算和报告，不写入、不通知 / compute and report, write nothing, notify nobody"


def provinces_field() -> Any:
    return Field(default_factory=list, title="省份 / provinces",
                 description="不选为全部31个省份 / empty = all 31 provinces")


def optional_date_field(title: str, description: str) -> Any:
    """A date the form may leave empty. Shown as a date picker: Prefect's form renders pydantic's
    `anyOf: [date, null]` as a choice of types ('Property is type "None"'), so the schema says date only;
    an empty field is still None."""
    return Field(None, title=title, description=description, json_schema_extra=_date_only)


def _date_only(schema: dict[str, Any]) -> None:
    schema.pop("anyOf", None)
    schema.update({"type": "string", "format": "date"})
    schema.pop("default", None)


def year_field(default: Callable[[], int], title: str, description: str) -> Any:
    """A year computed when the run is scheduled (`default`), shown filled in the form with the value at
    the deployments' registration (a blank field reads as "no year"; a server running across New Year
    shows the old year until restarted). A scheduled run, which sends no year, still computes its own."""
    return Field(default_factory=default, ge=2021, le=2100, title=title, description=description,
                 json_schema_extra={"default": default()})


def dry_run_field(description: str = COMPUTE_ONLY) -> Any:
    return Field(False, title="试运行 / dry run", description=description)
