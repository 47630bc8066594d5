"""Fields every campaign's parameter form shares, declared once: what a coordinator reads in the Prefect UI."""

from __future__ import annotations

from typing import Any

from pydantic import Field

COMPUTE_ONLY = "只计算和报告，不写入、不通知 / compute and report, write nothing, notify nobody"


def provinces_field() -> Any:
    return Field(default_factory=list, title="省份 / provinces",
                 description="不选为全部31个省份 / empty = all 31 provinces")


def dry_run_field(description: str = COMPUTE_ONLY) -> Any:
    return Field(False, title="试运行 / dry run", description=description)
