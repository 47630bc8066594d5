"""Every suite in expectations/ loads in Great Expectations, and every expectation says which rule it is, how
severe a failure is and why it exists: the checkpoint's branching and messages read those three."""

from __future__ import annotations

import json
import re
from importlib.resources import files

import pytest

from tasks.quality.gx import load_suite

SUITES = sorted(p.name.removesuffix(".json") for p in files("expectations").iterdir() if p.name.endswith(".json"))
SEVERITIES = {"critical", "warning"}
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_the_suites_are_found():
    assert len(SUITES) >= 20 and {"households_raw", "release_figures", "screening_outputs"} <= set(SUITES)


@pytest.mark.parametrize("name", SUITES)
def test_suite_loads_in_gx_and_explains_every_expectation(name):
    suite = load_suite(name)
    data = json.loads((files("expectations") / f"{name}.json").read_text(encoding="utf-8"))
    assert suite.name == data["name"] == name
    assert len(suite.expectations) == len(data["expectations"]) > 0
    rules, titles = [], []
    for expectation in suite.expectations:
        meta = expectation.meta or {}
        where = f"{name}: {expectation.expectation_type} {meta.get('rule')!r}"
        assert isinstance(meta.get("rule"), str) and meta["rule"].strip(), f"{where} has no meta.rule"
        assert meta.get("severity") in SEVERITIES, f"{where}: meta.severity must be one of {sorted(SEVERITIES)}"
        assert isinstance(meta.get("notes"), str) and len(meta["notes"].strip()) >= 10, f"{where} has no meta.notes"
        # What people read instead of the rule id, and what they do about it (messages, workbooks).
        title, fix = meta.get("title") or "", meta.get("fix") or ""
        assert 2 <= len(title) <= 20 and CJK.search(title), f"{where}: meta.title, a Chinese name of <= 20 characters"
        assert len(fix) >= 10 and CJK.search(fix), f"{where}: meta.fix, what to do, in Chinese"
        rules.append(meta["rule"])
        titles.append(title)
    assert len(rules) == len(set(rules)), f"{name}: a rule name is used twice"
    assert len(titles) == len(set(titles)), f"{name}: a title is used twice"


def test_every_stage_has_a_chinese_title():
    """Messages, the quality table and the rows set aside name stages in Chinese: a new Check without a
    title would show its English key to county staff."""
    import importlib
    import pkgutil

    import tasks
    from tasks.quality.stage_titles import stage_title
    from tasks.runs.check import Check

    found = set()
    for module in pkgutil.walk_packages(tasks.__path__, "tasks."):
        if ".migrations" in module.name:
            continue
        for value in vars(importlib.import_module(module.name)).values():
            checks = value.values() if isinstance(value, dict) else [value]
            found.update(c.stage for c in checks if isinstance(c, Check))
    found |= {f"ingest {t}" for t in ("households", "persons", "measures", "leads")} | {"reference counties"}
    assert len(found) > 20
    untitled = sorted(s for s in found if stage_title(s) == s or not any("\u4e00" <= ch <= "\u9fff"
                                                                         for ch in stage_title(s)))
    assert untitled == []


def test_a_rule_reads_as_its_own_suite_says_it():
    """county_code.known is a row to correct in a county's leads and a reason to refuse the whole key-county
    list: a lead's row must not be told that its file was not imported."""
    from tasks.quality.rules import explain

    for suite in ("leads_raw", "households_raw"):
        _, _, fix = explain("county_code.known: 990101", suite)
        assert "重新报送" in fix and "整个文件未导入" not in fix, suite
    assert "整个文件未导入" in explain("county_code.known: 990101", "reference_key_counties")[2]
    assert "整个文件未导入" not in explain("county_code.known: 990101")[2]  # suite unknown: the roster's words
