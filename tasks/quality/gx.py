"""Great Expectations, paid for once per process: one ephemeral context, one pandas data source."""

from __future__ import annotations

import json
import logging
import threading
from datetime import date, datetime
from functools import cache, lru_cache
from importlib.resources import files
from typing import Any

import numpy as np
import pandas as pd

from tasks.quality.results import CheckpointResult, ExpectationOutcome

# The process has one GX context and one data asset; two threads validating at once on it (partitions on a
# thread pool) get each other's batches. Threads still overlap reading and screening; processes (Dask) each
# have their own context.
_validating = threading.RLock()
NOT_A_THRESHOLD = {"column", "column_A", "column_B", "condition_parser", "result_format",
                   "ignore_row_if", "meta", "notes", "catch_exceptions", "batch_id"}
LONG_LIST = 12


@cache
def _batch_definition():
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # before GX logs its own start-up
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX fingerprints every frame under 1 GB with an MD5 of all its values only to label the batch; that
    # costs a second per million rows and we identify batches ourselves (campaign run, stage, suite).
    if hasattr(pandas_execution_engine, "HASH_THRESHOLD"):
        pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)  # no bars in logs and CI output
    asset = context.data_sources.add_pandas("campaigns").add_dataframe_asset("frame")
    return context, asset.add_batch_definition_whole_dataframe("whole frame")


def gx_context():
    """The process's GX context (ephemeral: suites live in `expectations/`, results in our tables)."""
    return _batch_definition()[0]


@lru_cache(maxsize=64)
def suite_definition(name: str) -> str:
    """The suite's JSON text from `expectations/NAME.json`."""
    path = files("expectations") / f"{name}.json"
    if not path.is_file():
        raise FileNotFoundError(f"no expectation suite {name!r} (looked for expectations/{name}.json)")
    return path.read_text(encoding="utf-8")


# What a rule reads besides its row (an expectation's `meta.scope`, one or a list; none: ROW). A row rule is
# answered where the row arrives and recorded with it (tasks.quality.row_checks); a file's rules (a key
# repeated) only in a county's file; the roster's (one head per household, a person's household present)
# only when a campaign reads the roster, the only time the other tables are there.
ROW, FILE, ROSTER = "row", "file", "roster"
AT_ARRIVAL = frozenset({ROW, FILE})
AT_READ = frozenset({ROSTER})


def scopes_of(expectation: dict[str, Any]) -> frozenset[str]:
    scope = (expectation.get("meta") or {}).get("scope") or ROW
    return frozenset([scope] if isinstance(scope, str) else scope)


def suite_expectations(name: str, scopes: frozenset[str] | None = None) -> list[dict[str, Any]]:
    """The suite's expectations as declared, only those of `scopes` when given."""
    expectations = json.loads(suite_definition(name))["expectations"]
    return [e for e in expectations if scopes is None or scopes_of(e) & scopes]


def load_suite(name: str, scopes: frozenset[str] | None = None):
    """The suite, only its rules of `scopes` when given."""
    import great_expectations as gx

    data = json.loads(suite_definition(name))
    data["expectations"] = suite_expectations(name, scopes)
    return gx.ExpectationSuite(**data)


def validate_frame(frame: pd.DataFrame, suite_name: str, key: str | None = None,
                   parameters: dict[str, Any] | None = None, scopes: frozenset[str] | None = None) -> CheckpointResult:
    """Run suite `suite_name` (its rules of `scopes`, or all) on `frame`; failing rows are reported by position
    (and by `key`)."""
    # GX copies and fingerprints what it is given: hand it only the columns the suite reads. A plain
    # RangeIndex makes GX report failing rows as positions, vectorised (named index columns cost a
    # Python loop per failing row).
    data = _cheap_to_subset(frame[suite_columns(suite_name, frame.columns, scopes)].reset_index(drop=True),
                            _paired_columns(suite_name))
    suite = load_suite(suite_name, scopes)
    with _validating:
        batch = _batch_definition()[1].get_batch(batch_parameters={"dataframe": data})
        result = batch.validate(suite, result_format={
            "result_format": "COMPLETE", "return_unexpected_index_query": False, "partial_unexpected_count": 0,
        }, expectation_parameters=_narrowed(suite_name, data, parameters or {}))
    keys = frame[key].astype(object).to_numpy() if key and key in frame else None
    outcomes = [_outcome(r, keys) for r in result.results]
    policy = json.loads(suite_definition(suite_name)).get("meta", {}).get("on_critical_rows", "quarantine")
    return CheckpointResult(suite_name, len(data), outcomes, quarantines_rows=policy == "quarantine",
                            validation=result)


def _cheap_to_subset(data: pd.DataFrame, paired: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Dtypes on GX's fast paths. GX filters whole rows once per expectation, which Arrow-backed strings
    make slow: codes become categoricals and identifiers NumPy objects, both cheap to take from. Columns
    compared in pairs stay objects (categoricals with different categories cannot be compared). GX's range
    checks are vectorised only for NumPy ints and floats and datetime64[ns], else value by value."""
    out = {}
    for name in data.columns:
        col = data[name]
        if pd.api.types.is_string_dtype(col) and not isinstance(col.dtype, pd.CategoricalDtype):
            few = name not in paired and col.iloc[:20_000].nunique(dropna=True) <= 2_000  # codes, not ids
            col = col.astype("category") if few else col.astype(object)
        elif pd.api.types.is_datetime64_any_dtype(col) and not isinstance(col.dtype, pd.DatetimeTZDtype):
            col = col.astype("datetime64[ns]")
        elif isinstance(col.dtype, pd.Int64Dtype | pd.Float64Dtype | pd.Int32Dtype):
            col = col.astype("float64")
        out[name] = col
    return pd.DataFrame(out)


@lru_cache(maxsize=64)
def _suite_reads(name: str, scopes: frozenset[str] | None = None) -> frozenset[str]:
    """Columns the suite's expectations (of `scopes`, or all) and their row conditions read."""
    columns: set[str] = set()
    for expectation in suite_expectations(name, scopes):
        kwargs = expectation["kwargs"]
        columns.update(kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs)
        columns.update(kwargs.get("column_set") or [])
        columns.update(kwargs.get("column_list") or [])
        columns.update(_condition_columns(kwargs.get("row_condition")))
    return frozenset(columns)


def _narrowed(suite_name: str, data: pd.DataFrame, parameters: dict[str, Any]) -> dict[str, Any]:
    """Value sets given as parameters (the 2,850 county codes) cut down to the values the columns hold: each
    row is in the set exactly when it was before, but GX serialises an expectation's configuration, value
    set included, about a hundred times per validation, which with the whole list cost ~0.6 s a suite."""
    narrowed = dict(parameters)
    for name, columns in _set_parameters(suite_name).items():
        if isinstance(parameters.get(name), list | tuple | set | frozenset):
            present: set = set()
            for column in columns & set(data.columns):
                present.update(data[column].dropna().unique())
            narrowed[name] = [v for v in parameters[name] if v in present]
    return narrowed


@lru_cache(maxsize=64)
def _set_parameters(name: str) -> dict[str, frozenset[str]]:
    """Parameter -> the columns whose value set it gives."""
    uses: dict[str, set[str]] = {}
    for expectation in json.loads(suite_definition(name))["expectations"]:
        kwargs = expectation["kwargs"]
        value_set = kwargs.get("value_set")
        if isinstance(value_set, dict) and "$PARAMETER" in value_set and "column" in kwargs:
            uses.setdefault(value_set["$PARAMETER"], set()).add(kwargs["column"])
    return {k: frozenset(v) for k, v in uses.items()}


@lru_cache(maxsize=64)
def _paired_columns(name: str) -> frozenset[str]:
    pairs = (e["kwargs"] for e in json.loads(suite_definition(name))["expectations"])
    return frozenset(c for kwargs in pairs for c in (kwargs.get("column_A"), kwargs.get("column_B")) if c)


def _condition_columns(condition: Any) -> set[str]:
    """Column names in a structured GX row condition ({"type": "and", "conditions": [...]} …)."""
    if not isinstance(condition, dict):
        return set()
    found = {condition["column"]["name"]} if isinstance(condition.get("column"), dict) else set()
    for sub in condition.get("conditions", []):
        found |= _condition_columns(sub)
    return found


def suite_columns(name: str, available, scopes: frozenset[str] | None = None) -> list[str]:
    """The columns of `available` the suite (its rules of `scopes`, or all) reads; at least one, since a frame
    without columns has no rows to count. A campaign's read checks 4 of the households' 28 rules: each
    column handed to GX is converted (`_cheap_to_subset`) and copied, read or not."""
    named = _suite_reads(name, scopes)
    return [c for c in available if c in named] or list(available)[:1]


def _outcome(r, keys: np.ndarray | None) -> ExpectationOutcome:
    config = r.expectation_config
    meta = config.meta or {}
    res = r.result or {}
    rows = np.asarray(res.get("unexpected_index_list") or [], dtype=np.int64)
    error = None
    if r.exception_info and r.exception_info.get("raised_exception"):
        error = str(r.exception_info.get("exception_message"))[:500]
    kwargs = dict(config.kwargs)
    return ExpectationOutcome(
        rule=meta.get("rule", config.type),
        expectation=config.type,
        column=kwargs.get("column") or (f"{kwargs['column_A']},{kwargs['column_B']}" if "column_A" in kwargs else None),
        severity=meta.get("severity", "critical"),
        success=bool(r.success),
        observed=_json_safe(_observed(res)),
        threshold=_json_safe({k: v for k, v in kwargs.items() if k not in NOT_A_THRESHOLD}),
        element_count=res.get("element_count"),
        unexpected_count=res.get("unexpected_count"),
        failing_rows=np.unique(rows),
        failing_keys=[str(keys[i]) for i in np.unique(rows)[:1000]] if keys is not None else [],
        notes=meta.get("notes", ""),
        error=error,
    )


def _observed(res: dict[str, Any]) -> Any:
    # Values of failing rows are personal data: only counts and aggregates leave this function.
    if "observed_value" in res:
        return res["observed_value"]
    if "unexpected_count" in res:
        return {"unexpected": res["unexpected_count"], "of": res.get("element_count"),
                "percent": round(float(res.get("unexpected_percent") or 0.0), 4)}
    return None


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set):
        items = [_json_safe(v) for v in value]
        return items if len(items) <= LONG_LIST else f"<{len(items)} values>"
    if isinstance(value, datetime | date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value
