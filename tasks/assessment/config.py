"""The assessment's indicator configuration (deployments/assessment.toml): weights, targets and floors, grade
thresholds, the red line and national checks, with per-year overrides applied.

A bad file raises ValueError naming the file and the key: the flow must stop before scoring anything with
a configuration nobody meant."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path
from typing import Any

DIRECTIONS = ("higher", "lower")
UNITS = ("share", "ratio", "growth")
INDICATOR_FIELDS = {"name_zh", "name_en", "weight", "target", "floor", "direction", "unit"}
# Extra parameters some indicators take (name -> default); anything else in an indicator table is a typo.
INDICATOR_PARAMS: dict[str, dict[str, float]] = {
    "identification_timeliness": {"max_days": 15},
    "relocation_employment": {"min_months": 6},
    "microcredit_training": {"credit_target": 0.30, "yulu_target": 0.80},
}
YEAR_TABLES = ("targets", "floors", "weights")
YEAR_SCALARS = ("red_line_share", "poverty_line", "national_employment_min")
WEIGHT_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Indicator:
    key: str
    name_zh: str
    name_en: str
    weight: float
    target: float
    floor: float
    direction: str  # "higher": more is better
    unit: str  # share / ratio / growth, for display and range checks
    params: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class AssessmentConfig:
    indicators: tuple[Indicator, ...]
    grades: tuple[tuple[str, float], ...]  # (label, minimum total), highest minimum first
    red_line_share: float
    national_employment_min: float
    year: int | None = None
    poverty_line: float = 4_500.0  # yuan per person and year: below it a 脱贫户 has returned to poverty
    source: str = ""

    @property
    def weights_sum(self) -> float:
        return sum(i.weight for i in self.indicators)

    @property
    def keys(self) -> list[str]:
        return [i.key for i in self.indicators]

    def indicator(self, key: str) -> Indicator:
        for i in self.indicators:
            if i.key == key:
                return i
        raise KeyError(key)

    def param(self, key: str, name: str) -> float:
        """An indicator's extra parameter, or its default when the configuration leaves it out."""
        return self.indicator(key).params.get(name, INDICATOR_PARAMS[key][name])

    def grade_of(self, total: float) -> str | None:
        if total is None or (isinstance(total, float) and math.isnan(total)):
            return None
        for label, minimum in self.grades:
            if total >= minimum:
                return label
        return self.grades[-1][0]

    def as_dict(self) -> dict[str, Any]:
        """Plain values for summary.json: what the scores were computed with."""
        return {"year": self.year, "source": self.source, "red_line_share": self.red_line_share,
                "poverty_line": self.poverty_line,
                "national_employment_min": self.national_employment_min, "grades": dict(self.grades),
                "indicators": {i.key: {"name_zh": i.name_zh, "name_en": i.name_en, "weight": i.weight,
                                       "target": i.target, "floor": i.floor, "direction": i.direction,
                                       "unit": i.unit, **i.params} for i in self.indicators}}


def default_path() -> Path:
    return Path(str(files("deployments") / "assessment.toml"))


def load_config(path: Path | None = None, year: int | None = None) -> AssessmentConfig:
    """The configuration in `path` (default: deployments/assessment.toml) with `year`'s overrides applied."""
    path = Path(path) if path is not None else default_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValueError(f"{path.name}: cannot read the assessment configuration: {exc}") from exc
    return parse_config(data, year, path.name)


def parse_config(data: dict[str, Any], year: int | None, source: str = "assessment.toml") -> AssessmentConfig:
    def fail(key: str, problem: str) -> ValueError:
        return ValueError(f"{source}: {key}: {problem}")

    unknown = set(data) - {"indicators", "grades", "red_line", "national", "years"}
    if unknown:
        raise fail(", ".join(sorted(unknown)), "unknown table")
    tables = data.get("indicators")
    if not isinstance(tables, dict) or not tables:
        raise fail("indicators", "no indicators configured")
    indicators = [_indicator(key, table, fail) for key, table in tables.items()]
    grades = _grades(data.get("grades"), fail)
    red_line = _number(data.get("red_line", {}).get("share", 0.01), "red_line.share", fail)
    if not 0 <= red_line <= 1:
        raise fail("red_line.share", f"must lie within 0–1, not {red_line}")
    poverty_line = _number(data.get("red_line", {}).get("poverty_line", 4_500), "red_line.poverty_line", fail)
    if set(data.get("red_line", {})) - {"share", "poverty_line"}:
        raise fail("red_line", f"unknown key(s) {', '.join(sorted(set(data['red_line']) - {'share', 'poverty_line'}))}")
    national = _number(data.get("national", {}).get("national_employment_min", 30_000_000),
                       "national.national_employment_min", fail)
    config = AssessmentConfig(tuple(indicators), grades, red_line, national, year=year, source=source,
                              poverty_line=poverty_line)
    overrides = data.get("years", {}).get(str(year)) if year is not None else None
    if overrides:
        config = _apply_year(config, overrides, year, fail)
    _check(config, f"years.{year}" if overrides else "indicators", fail)
    return config


def _indicator(key: str, table: Any, fail) -> Indicator:
    where = f"indicators.{key}"
    if not isinstance(table, dict):
        raise fail(where, "must be a table")
    missing = INDICATOR_FIELDS - set(table)
    if missing:
        raise fail(where, f"missing {', '.join(sorted(missing))}")
    extra = set(table) - INDICATOR_FIELDS - set(INDICATOR_PARAMS.get(key, {}))
    if extra:
        raise fail(where, f"unknown key(s) {', '.join(sorted(extra))}")
    if table["direction"] not in DIRECTIONS:
        raise fail(f"{where}.direction", f"must be one of {', '.join(DIRECTIONS)}")
    if table["unit"] not in UNITS:
        raise fail(f"{where}.unit", f"must be one of {', '.join(UNITS)}")
    params = {p: _number(table[p], f"{where}.{p}", fail) for p in INDICATOR_PARAMS.get(key, {}) if p in table}
    return Indicator(key, str(table["name_zh"]), str(table["name_en"]),
                     _number(table["weight"], f"{where}.weight", fail),
                     _number(table["target"], f"{where}.target", fail),
                     _number(table["floor"], f"{where}.floor", fail),
                     table["direction"], table["unit"], params)


def _grades(table: Any, fail) -> tuple[tuple[str, float], ...]:
    if not isinstance(table, dict) or not table:
        raise fail("grades", "no grade thresholds configured")
    grades = sorted(((str(k), _number(v, f"grades.{k}", fail)) for k, v in table.items()), key=lambda g: -g[1])
    if grades[-1][1] > 0:
        raise fail("grades", "the lowest grade must start at 0 so that every total gets a grade")
    return tuple(grades)


def _apply_year(config: AssessmentConfig, overrides: Any, year: int, fail) -> AssessmentConfig:
    where = f"years.{year}"
    if not isinstance(overrides, dict):
        raise fail(where, "must be a table")
    unknown = set(overrides) - set(YEAR_TABLES) - set(YEAR_SCALARS)
    if unknown:
        raise fail(where, f"unknown key(s) {', '.join(sorted(unknown))}")
    indicators = {i.key: i for i in config.indicators}
    for table_name, attribute in zip(YEAR_TABLES, ("target", "floor", "weight"), strict=True):
        for key, value in overrides.get(table_name, {}).items():
            if key not in indicators:
                raise fail(f"{where}.{table_name}.{key}", "no such indicator")
            value = _number(value, f"{where}.{table_name}.{key}", fail)
            indicators[key] = replace(indicators[key], **{attribute: value})
    scalars = {name: _number(overrides[name], f"{where}.{name}", fail) for name in YEAR_SCALARS if name in overrides}
    return replace(config, indicators=tuple(indicators.values()), **scalars)


def _check(config: AssessmentConfig, where: str, fail) -> None:
    for i in config.indicators:
        if not 0 <= i.weight <= 1:
            raise fail(f"indicators.{i.key}.weight", f"must lie within 0–1, not {i.weight}")
        better = i.target > i.floor if i.direction == "higher" else i.target < i.floor
        if not better:
            raise fail(f"indicators.{i.key}", f"target {i.target} must be {i.direction} than floor {i.floor}")
    if abs(config.weights_sum - 1) > WEIGHT_TOLERANCE:
        raise fail(where, f"indicator weights sum to {config.weights_sum:.6g}, not 1")


def _number(value: Any, key: str, fail) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise fail(key, f"must be a number, not {value!r}")
    return float(value)
