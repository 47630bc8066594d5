"""What a rule means to the people who fix its findings: its Chinese name (`meta.title`) and what to do
(`meta.fix`), declared once in the suites (expectations/*.json), and for the reasons an ingest finds before
any suite runs (a cell that is not a date, a row with too many fields). Messages, quality artifacts and the
set-aside workbooks read them from here."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files


@dataclass(frozen=True)
class RuleText:
    title: str  # 户编号不能为空
    fix: str  # 请在“户编号”列填写……


GENERIC_FIX = "请按数据规范（报送模板说明页）更正本行后重新报送 / correct the row as the data contract says and resend"
# Reasons found while reading a file (tasks.ingest.frame), by the suffix of their rule id.
READING = {
    "format": RuleText("格式不对",
                       "请按该列要求的格式填写（日期写作 2023-06-30，数字不带单位），更正后重新报送本文件。"),
    "value": RuleText("取值不在代码表中",
                      "请改用代码表中的取值（见报送模板的说明页，原因中给出了最接近的允许值），更正后重新报送。"),
    "length": RuleText("内容过长", "请删去多余内容（是否把几列写进了一个单元格？），更正后重新报送。"),
    "duplicate": RuleText("与前面一行完全相同（重复行）",
                          "本行无需更正：只按前面相同的那一行处理（那一行若也被隔离，请按它的原因更正）；"
                          "今后同一行请只报送一次。"),
    "fields": RuleText("本行列数与表头不一致",
                       "请检查本行是否多了或少了分隔符、单元格内是否有换行，更正后重新报送本文件。"),
}


@cache
def suite_rule_texts() -> dict[tuple[str, str], RuleText]:
    """Every suite's rules: (suite, rule id) -> its title and fix. The same rule id can mean other things in
    other suites: an unknown county code in a county's leads is a row to correct, in the key-county list a
    reason to refuse the file."""
    texts = {}
    for path in sorted(files("expectations").iterdir(), key=lambda p: p.name):
        if not path.name.endswith(".json"):
            continue
        suite = json.loads(path.read_text("utf-8"))
        for expectation in suite.get("expectations", []):
            meta = expectation.get("meta") or {}
            if meta.get("rule") and meta.get("title"):
                texts[suite.get("name", path.name[:-5]), meta["rule"]] = RuleText(meta["title"],
                                                                                  meta.get("fix") or GENERIC_FIX)
    return texts


@cache
def rule_texts() -> dict[str, RuleText]:
    """Rule id -> its title and fix, for a reason whose suite is not known: the first suite's (by name) that
    declares it, the roster's suites coming before the reference lists'."""
    texts: dict[str, RuleText] = {}
    for (_, rule), text in suite_rule_texts().items():
        texts.setdefault(rule, text)
    return texts


def _known(rule: str, suite: str | None) -> RuleText | None:
    return (suite_rule_texts().get((suite, rule)) if suite else None) or rule_texts().get(rule)


def explain(reason: str, suite: str | None = None) -> tuple[str, str, str]:
    """A stored reason ("rule: text") of `suite` as (title, detail, fix): the rule's Chinese name, the
    reason's own words when they add something (which value was near, which column), and what to do."""
    rule, _, detail = reason.partition(": ")
    known = _known(rule, suite)
    if known is not None:
        return known.title, "", known.fix
    reading = READING.get(rule.rsplit(".", 1)[-1])
    if reading is not None:
        return reading.title, detail.split(" / ")[0], reading.fix
    return (detail.split(" / ")[0] or rule), "", GENERIC_FIX


def title(rule: str, suite: str | None = None) -> str:
    """The rule's Chinese name (as `suite` declares it), or its id when it has none."""
    known = _known(rule, suite)
    return known.title if known is not None else rule
