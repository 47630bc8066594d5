"""Fields every campaign's parameter form shares, declared once: what a coordinator reads in the Prefect UI."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, BeforeValidator, Field, WithJsonSchema

from tasks.quality.outliers import OutlierRules
from tasks.reference.provinces import codes_of

COMPUTE_ONLY = "只计算和报告，不写入、不通知 / compute and report, write nothing, notify nobody"


@dataclass(frozen=True)
class RunSpec:
    """How a run of a campaign's form is known, declared by the form (`run_spec()`): its record (campaign,
    period, mode), how people name it (`label`), the Prefect flow run's name, its folder under the output
    folder, and the day it sees its period as of (None: the day it runs)."""

    campaign: str
    period: str
    label: str
    run_name: str
    folder: Path
    mode: str | None = None
    as_of: date | None = None


def run_name_of(form: type[BaseModel]) -> Callable[[], str]:
    """The flow run's name, from the form the run was given (Prefect asks it as the run starts)."""

    def name() -> str:
        from prefect.runtime import flow_run

        raw = flow_run.parameters.get("params") or {}
        return (raw if isinstance(raw, form) else form.model_validate(raw)).run_spec().run_name

    return name


class ChosenProvinces:
    """A form with a `provinces` field (not declared here: the form orders its own fields): the codes chosen
    (empty: all 31)."""

    @property
    def province_codes(self) -> list[str]:
        return codes_of(self.provinces)  # type: ignore[attr-defined]

    @property
    def scope_label(self) -> str:
        """What a run's label says of its provinces: " 2 省" when some were chosen, nothing for all of them."""
        return f" {len(self.province_codes)} 省" if self.provinces else ""  # type: ignore[attr-defined]


def outliers_field(compared_with: str) -> Any:
    """The county outlier rules (tasks.quality.outliers): warnings only, never a stop."""
    return Field(default_factory=OutlierRules, title="县级指标异常值规则 / county outlier rules",
                 description=f"各县指标与本县以往{compared_with[0]}、本省其他县比较，只提示不阻断 / each county's "
                             f"indicators against its {compared_with[1]} and its province; warnings only")


def provinces_field() -> Any:
    return Field(default_factory=list, title="省份 / provinces",
                 description="不选为全部31个省份 / empty = all 31 provinces")


def optional_date_field(title: str, description: str) -> Any:
    """A date the form may leave empty, shown as a date picker (`optional_field`)."""
    return optional_field({"type": "string", "format": "date"}, title=title, description=description)


def optional_field(shown_as: dict[str, Any], **field: Any) -> Any:
    """A value the form may leave empty. Prefect's form renders pydantic's `anyOf: [<type>, null]` as a
    choice of types ('Property is type "None"'), so the schema says the type only (`shown_as`, with the
    field's own bounds) and no default; an empty field is still None."""

    def only(schema: dict[str, Any]) -> None:
        bounds = {k: v for option in schema.pop("anyOf", []) for k, v in option.items() if k != "type"}
        schema.update({**bounds, **shown_as})
        schema.pop("default", None)

    return Field(None, json_schema_extra=only, **field)


def year_field(default: Callable[[], int], title: str, description: str) -> Any:
    """A year computed when the run is scheduled (`default`), shown filled in the form with the value at
    the deployments' registration (a blank field reads as "no year"; a server running across New Year
    shows the old year until restarted). A scheduled run, which sends no year, still computes its own."""
    return Field(default_factory=default, ge=2021, le=2100, title=title, description=description,
                 json_schema_extra={"default": default()})


def dry_run_field(description: str = COMPUTE_ONLY) -> Any:
    return Field(False, title="试运行 / dry run", description=description)


def recompute_field() -> Any:
    """A run whose inputs are those of the last completed run gives its answer (tasks.runs.answered)."""
    return Field(False, title="重新计算 / recompute",
                 description="数据、规则和参数与上次完成的运行相同时，默认沿用其结果；勾选则重新计算 / "
                             "with the same data, rules and parameters as the last completed run, its answer stands; "
                             "tick to work it out again")


def labelled_choice(labels: Mapping[StrEnum, str], title: str, description: str) -> tuple[Any, ...]:
    """An enum the form offers by its Chinese labels (`收尾 close_out`, not `close_out`): the dropdown lists
    `<label> <value>`, and the field takes either that or the bare value (schedules, the CLI, old runs), so
    what is stored and compared stays the enum. For `Annotated[Enum, *labelled_choice(...)]`."""
    options = {f"{label} {member.value}": member for member, label in labels.items()}

    def parse(value: Any) -> Any:
        return options.get(value.strip(), value) if isinstance(value, str) else value

    return (BeforeValidator(parse),
            WithJsonSchema({"type": "string", "enum": list(options), "title": title, "description": description}))


def option_of(labels: Mapping[StrEnum, str], member: StrEnum) -> str:
    """The form's text for `member`: what a schedule sends and what the form shows as the default."""
    return f"{labels[member]} {member.value}"
