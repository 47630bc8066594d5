"""What an ingest says about each file: figures for people (CLI, artifact, message) and the error report
left next to a rejected file. No cell values: only counts, columns, rows and rules."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import asdict, dataclass, field

from tasks.model.contract import KIND_LABELS
from tasks.notify import Message, build_message
from tasks.quality.rules import explain
from tasks.reference.provinces import province_name

MAX_ACTIONS = 6


@dataclass
class FileReport:
    file: str
    sha256: str
    status: str  # loaded / duplicate / rejected
    kind: str | None = None
    rows_read: int = 0
    loaded: int = 0
    quarantined: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # reason -> rows, most frequent first
    warnings: dict[str, int] = field(default_factory=dict)  # rows loaded but worth a look: reason -> rows
    problem: str | None = None  # why a rejected file was refused, naming file, row and column
    format: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    header_row: int | None = None
    ignored_columns: list[str] = field(default_factory=list)
    column_suggestions: dict[str, str] = field(default_factory=dict)  # ignored header -> the column it resembles
    county_code: str | None = None
    run_id: str | None = None
    note: str | None = None  # e.g. when a duplicate was first ingested
    rechecked: list[FileReport] = field(default_factory=list)  # rows set aside earlier, loaded once this arrived
    set_aside: str | None = None  # the workbook of the rows set aside, with reasons and fixes (tasks.outputs)
    outliers: list[str] = field(default_factory=list)  # its counties' indicators far from usual, with why

    @property
    def has_problems(self) -> bool:
        """Something the county should hear of: a refused file, rows set aside, a column left unread that
        looks like one of ours (its values were not loaded), or its indicators far from usual once loaded."""
        return self.status == "rejected" or self.quarantined > 0 or bool(self.column_suggestions) \
            or bool(self.outliers)

    def column_notes(self) -> list[str]:
        """Each column left unread, with the known column it resembles (headers are not personal data)."""
        notes = []
        for header in self.ignored_columns:
            near = self.column_suggestions.get(header)
            notes.append(f"未识别的列“{header}”未读取，该列的值未入库，是否为“{near}”？ / column {header!r} not "
                         f"read, its values not loaded; did you mean {near}?" if near else
                         f"未识别的列“{header}”未读取，该列的值未入库 / column {header!r} not read, its values "
                         "not loaded")
        return notes

    def as_dict(self) -> dict:
        return asdict(self)

    def summary_line(self) -> str:
        """The file's outcome as county staff read it: in Chinese, each reason by its rule's name."""
        if self.status == "rejected":
            return f"拒收 {self.problem}"  # the problem names the file, row and column
        if self.status == "duplicate":
            return f"{self.file}：此前已接收同样内容的文件（{self.note}），本次未重复入库"
        top = "；".join(f"{_said(r, self.kind)} {n} 行" for r, n in list(self.reasons.items())[:3])
        warned = "；".join(f"{_said(r, self.kind)} {n} 行" for r, n in list(self.warnings.items())[:3])
        label = KIND_LABELS.get(self.kind or "", "未识别类别")
        return (f"{self.file}：{label}，读取 {self.rows_read} 行，入库 {self.loaded} 行，隔离 {self.quarantined} 行"
                + (f"（{top}）" if top else "") + (f"；已入库但请核实：{warned}" if warned else "")
                + "".join(f"\n  异常值提示：{line}" for line in self.outliers)
                + "".join(f"\n  {note.split(' / ')[0]}" for note in self.column_notes())
                + "".join(f"\n  补充核验（其农户已报送）：{again.summary_line()}" for again in self.rechecked))


def _said(reason: str, kind: str | None) -> str:
    """A reason of a file of `kind` as county staff read it: the rule's Chinese name (as the kind's suite
    says it), then what it found."""
    title, detail, _ = explain(reason, f"{kind}_raw" if kind else None)
    return f"{title}（{detail}）" if detail else title


def count_reasons(reasons: dict[int, list[str]]) -> dict[str, int]:
    """Rows per reason (a row with two reasons counts under both), most frequent first."""
    counts = Counter(reason for items in reasons.values() for reason in dict.fromkeys(items))
    return dict(counts.most_common())


def error_report(report: FileReport) -> str:
    """The text left next to a rejected file, for the county that sent it."""
    lines = [
        "报送文件未被接收 / submission rejected",
        f"文件 / file: {report.file}",
        f"SHA-256: {report.sha256}",
        f"原因 / problem: {report.problem}",
        "",
        "请按报送模板（含说明页，可向本省协调员索取）修改后重新报送；修改后的文件会被重新处理。",
        "Correct the file as the submission template says (ask your province's coordinator for it) and send it "
        "again; a corrected file is processed anew.",
    ]
    return "\n".join(lines) + "\n"


def report_json(report: FileReport) -> str:
    return json.dumps(report.as_dict(), ensure_ascii=False, indent=2) + "\n"


def problem_message(report: FileReport, link: str | None = None) -> Message:
    """To the county's channel (else its province's, else the data stewards'): what went wrong with a file."""
    figures: dict[str, object] = {"文件 / file": report.file, "类别 / kind": report.kind or "未识别 / unknown"}
    if report.status == "rejected":
        title = f"报送文件被拒收 / file rejected: {report.file}"
        actions = [report.problem or "", "修改后重新报送 / correct it and send it again"]
    else:
        title = (f"报送文件有问题行 / rows quarantined: {report.file}" if report.quarantined else
                 f"报送文件有未读取的列 / columns not read: {report.file}" if report.column_suggestions else
                 f"报送数据异常值提示 / indicators far from usual: {report.file}")
        figures |= {"读取 / read": report.rows_read, "入库 / loaded": report.loaded,
                    "隔离 / quarantined": report.quarantined}
        actions = report.column_notes()[:MAX_ACTIONS]
        if report.column_suggestions:
            actions.append("请改用标准列名重新报送，或由协调员保存列名对应 / rename the column and resend, or ask "
                           "a coordinator to save the mapping (campaigns ingest --map 原列名=标准列名 --save)")
        actions += [f"{n} 行 / rows: {_said(reason, report.kind)}"
                    for reason, n in list(report.reasons.items())[:MAX_ACTIONS]]
        actions += [f"异常值提示（已入库，请核实）：{line}" for line in report.outliers[:MAX_ACTIONS]]
        if report.set_aside:
            actions.append(f"隔离行及原因、更正方法、异常值提示见 / the rows set aside, why and how to fix them, "
                           f"outliers: {report.set_aside}")
        actions += [f"{n} 行已入库，请核实 / rows loaded, to review: {_said(reason, report.kind)}"
                    for reason, n in list(report.warnings.items())[:MAX_ACTIONS]]
    county = report.county_code
    return build_message(f"ingest:{report.sha256 or report.file}:{report.status}", title, figures, actions, link,
                         campaign="ingest", province=county[:2] if county else None, county=county,
                         campaign_run_id=report.run_id,
                         # nothing of a rejected file was loaded: its county hears at once, not in the digest
                         severity="critical" if report.status == "rejected" else "warning")


def province_outliers(reports: list[FileReport], link: str | None = None) -> list[Message]:
    """Per province, one message listing the outliers found in the files handled together (a sweep, one
    command), for its coordinator: each file's own message went to its county's channel."""
    by_province: dict[str, list[FileReport]] = {}
    for report in reports:
        if report.outliers and report.county_code:
            by_province.setdefault(report.county_code[:2], []).append(report)
    messages = []
    for province, files in sorted(by_province.items()):
        lines = [f"{r.file}：{line}" for r in files for line in r.outliers]
        key = hashlib.sha256("".join(r.sha256 for r in files).encode()).hexdigest()[:16]
        messages.append(build_message(
            f"ingest-outliers:{province}:{key}", f"报送数据异常值提示（本次接收汇总） · {province_name(province)}",
            {"有异常值的文件数": len(files), "异常指标数": len(lines)}, lines[:MAX_ACTIONS * 2], link,
            campaign="ingest", province=province, severity="warning"))
    return messages
