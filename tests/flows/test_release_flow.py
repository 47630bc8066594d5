"""The press release flow on seeded data: the approval gate paused and resumed through the Prefect API,
rejection, expiry, revisions blocked and acknowledged, versions never overwritten, small cells suppressed."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import FlowFilter, FlowFilterName
from prefect.flow_runs import resume_flow_run
from prefect.states import State
from support.release_helpers import LI_CODE, WANG_CODE, auto_approved

from flows.release import press_release
from tasks.model import CountyIndicator
from tasks.outputs.charts import cjk_font
from tasks.release.params import PREVIOUS_QUARTER, ReleaseParams
from tasks.release.stages import check_publication
from tasks.runs.check import StageFailed
from tasks.runs.context import CampaignContext
from tasks.settings import get_settings


def _releases(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT status, version, reviewer FROM releases ORDER BY id")).all()


def _run_until_paused(params: ReleaseParams) -> tuple[threading.Thread, dict, str]:
    """Start the flow in a thread; return once its run is paused for input. `outcome["state"]` is its end."""
    outcome: dict = {}

    def run():
        try:
            outcome["state"] = press_release(params, return_state=True)
        except Exception as exc:  # surfaced by the test
            outcome["error"] = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 180
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            # This flow's paused runs only: other tests share the session's server.
            runs = [r for r in client.read_flow_runs(flow_filter=FlowFilter(name=FlowFilterName(any_=[
                press_release.name]))) if r.state and r.state.is_paused()]
            if runs:
                return thread, outcome, str(runs[0].id)
            if outcome:
                raise AssertionError(f"the flow ended without pausing: {outcome}")
            time.sleep(0.5)
    raise AssertionError("the flow never paused for approval")


def _wait_paused(run_id: str, attempt: int) -> str:
    """Wait for the run's pause number `attempt` (0 is the first); return what the Resume dialog shows: the
    form's description, then its first field's (what must be read)."""
    deadline = time.monotonic() + 120
    with get_client(sync_client=True) as client:
        while time.monotonic() < deadline:
            state = client.read_flow_run(run_id).state
            if state and state.is_paused() and state.state_details.pause_key == f"approval-{attempt}":
                keys = state.state_details.run_input_keyset
                schema = json.loads(client.read_flow_run_input(run_id, keys["schema"]))
                first = next(iter(schema["properties"].values()))
                return client.read_flow_run_input(run_id, keys["description"]) + "\n\n" + first["description"]
            time.sleep(0.5)
    raise AssertionError(f"the flow did not pause for answer {attempt}")


def _press_office(engine) -> list[str]:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT text FROM outbox WHERE channel = '#fpjc-press-office' ORDER BY id")
                            ).scalars().all()


def test_approval_gate_approve_then_reject(prefect_harness, seeded, tmp_path, approvers, monkeypatch):
    monkeypatch.setenv("CAMPAIGNS_REPORTS_URL", "http://127.0.0.1:4201/")  # as `campaigns serve` sets it
    get_settings.cache_clear()
    with seeded.begin() as conn:  # national employment doubled on the year: a large change to answer
        conn.execute(sa.text("UPDATE employment SET employed = employed * 2 WHERE year = 2023 AND quarter = 2"))
    thread, outcome, run_id = _run_until_paused(ReleaseParams(period="2023Q2"))
    description = _wait_paused(run_id, 0)
    # Short, with links that open: the draft as it will be published and the provinces' table.
    draft = "http://127.0.0.1:4201/releases/2023Q2/draft/"
    above, first_field = description.split("\n\n", 1)
    assert len(above) < 400 and f"({draft}release.html)" in above
    assert f"({draft}tables.xlsx)" in above and "?tab=Artifacts" not in above
    # What must be read is the first field's description, which the dialog shows on any screen: the
    # figures beside last year's, and the large change to answer.
    assert "【本期数字】脱贫人口务工就业规模" in first_field and "上年同期" in first_field
    assert "全国 脱贫人口务工就业规模: 同比增长" in first_field
    assert f"【发布稿】{draft}release.html 【分省数据表】{draft}tables.xlsx" in first_field  # the box above is hidden

    # Someone not on the list, then an approver with a wrong code: refused, reported, asked again.
    resume_flow_run(run_id, run_input={"decision": "批准发布", "reviewer": "张三", "approval_code": WANG_CODE})
    assert "未采纳" in _wait_paused(run_id, 1)
    resume_flow_run(run_id, run_input={"decision": "批准发布", "reviewer": "王审核", "approval_code": "guess-1234"})
    _wait_paused(run_id, 2)
    # The right code without answering the large change: asked again inside the pause, the run goes on.
    resume_flow_run(run_id, run_input={"decision": "批准发布", "reviewer": "王审核", "approval_code": WANG_CODE,
                                       "comment": "同意发布"})
    assert "确认大幅变化" in _wait_paused(run_id, 3)
    resume_flow_run(run_id, run_input={"decision": "批准发布", "reviewer": "王审核", "approval_code": WANG_CODE,
                                       "comment": "同意发布", "acknowledge_large_changes": True,
                                       "explanation": "口径调整"})
    thread.join(120)
    assert outcome["state"].is_completed() and outcome["state"].result()["status"] == "published", outcome
    v1 = tmp_path / "outputs" / "releases" / "2023Q2" / "v1"
    manifest = json.loads((v1 / "manifest.json").read_text("utf-8"))
    assert manifest["approval"]["reviewer"] == "王审核" and manifest["approval"]["explanation"] == "口径调整"
    assert manifest["approval"]["unit"] == "新闻办" and "审核码已核验" in manifest["approval"]["identity"]
    draft = v1.parent / "draft"
    assert all((v1 / name).read_bytes() == (draft / name).read_bytes() for name in manifest["files"])
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((v1 / name).read_bytes()).hexdigest() == entry["sha256"]
    text = (v1 / "release.md").read_text("utf-8")
    assert "2023年上半年巩固拓展脱贫攻坚成果数据发布" in text
    assert "农业农村部 " in text and "国家乡村振兴局 " not in text  # signed by the body that exists
    assert _releases(seeded)[-1] == ("published", 1, "王审核")
    with get_client(sync_client=True) as client:  # the answers held the code: none is left on the server
        kept = client.filter_flow_run_input(flow_run_id=run_id, key_prefix="paused", limit=50, exclude_keys=set())
    assert kept and not [i.key for i in kept if i.key.endswith("response")]
    assert WANG_CODE not in json.dumps([i.value for i in kept], ensure_ascii=False)
    messages = _press_office(seeded)
    assert sum("审核未采纳" in m for m in messages) == 2 and any("王审核（新闻办）" in m for m in messages)

    # A second release of the period (figures changed since): a new run, its own waiting message, rejected.
    with seeded.begin() as conn:
        conn.execute(sa.text("UPDATE employment SET employed = employed + 500 WHERE year = 2023 AND quarter = 2 "
                             "AND province_code = '52'"))
    thread, outcome, second_run = _run_until_paused(ReleaseParams(period="2023Q2"))
    waiting = [m for m in _press_office(seeded) if "待审核" in m]
    assert len(waiting) == 2 and run_id in waiting[0] and second_run in waiting[1]
    resume_flow_run(second_run, run_input={"decision": "退回", "reviewer": "李审核", "approval_code": LI_CODE})
    assert "退回须填写审核意见" in _wait_paused(second_run, 1)  # a rejection without a reason is asked again
    resume_flow_run(second_run, run_input={"decision": "退回", "reviewer": "李审核", "approval_code": LI_CODE,
                                           "comment": "数据待核实，11010519491231002X 的收入录错"})
    thread.join(120)
    state = outcome["state"]
    assert state.is_cancelled() and state.name == "Rejected" and "数据待核实" in state.message  # not green
    assert "11010519491231002X" not in state.message  # the UI and the CLI show it: masked
    assert _releases(seeded)[-1] == ("rejected", None, "李审核")
    assert not (v1.parent / "v2").exists()

    # The audit trail: who decided, when, and what was published (its files' SHA-256); refusals too.
    with seeded.connect() as conn:
        trail = conn.execute(sa.text("SELECT action, actor, subject, parameters, detail, at FROM audit_events "
                                     "WHERE action LIKE 'release.%' ORDER BY id")).all()
    assert [(t.action, t.actor) for t in trail] == [
        ("release.approval_refused", "张三"), ("release.approval_refused", "王审核"),
        ("release.approved", "王审核"), ("release.published", "王审核"), ("release.rejected", "李审核")]
    published = trail[3].parameters if isinstance(trail[3].parameters, dict) else json.loads(trail[3].parameters)
    assert published["version"] == 1 and published["files"] == {n: e["sha256"] for n, e in manifest["files"].items()}
    assert "数据待核实" in trail[4].detail and all(t.at is not None for t in trail)
    assert all(t.subject == "2023Q2 上半年" for t in trail)
    stored = json.dumps([tuple(map(str, t)) for t in trail], ensure_ascii=False) + approvers.read_text("utf-8")
    assert WANG_CODE not in stored and LI_CODE not in stored


def test_the_launch_form_cannot_skip_the_approval(approvers):
    """Nothing a coordinator can fill in at launch approves a release: only a process that calls the flow
    itself (the CLI's --auto-approve, the demo) can, and it is recorded with the command, user and host."""
    from prefect.utilities.callables import parameter_schema

    schema = parameter_schema(press_release).model_dump()
    fields = json.dumps(schema, ensure_ascii=False)
    assert "auto_approve" not in fields and "require_approval" not in fields and "自动批准" not in fields
    # The period is a dropdown of quarters (not free text), the previous quarter first: what a schedule means.
    period = schema["definitions"]["ReleaseParams"]["properties"]["period"]
    assert period["enum"][0] == period["default"] == PREVIOUS_QUARTER and "anyOf" not in period
    assert {"2023Q1", "2023Q2", "2023Q3", "2023Q4"} <= set(period["enum"])
    assert ReleaseParams(period=PREVIOUS_QUARTER).resolved_period() == ReleaseParams().resolved_period()
    with pytest.raises(Exception, match="auto_approve"):
        ReleaseParams.model_validate({"period": "2023Q2", "auto_approve": True})


def test_revision_is_blocked_without_acknowledgement_and_published_with_it(prefect_harness, seeded, tmp_path):
    first = auto_approved("2023Q4")
    assert (first["status"], first["version"]) == ("published", 1)
    v1 = Path(first["path"])
    before = {p.name: p.read_bytes() for p in v1.iterdir()}
    assert auto_approved("2023Q4")["status"] == "unchanged"

    with seeded.begin() as conn:
        conn.execute(sa.text("UPDATE employment SET employed = employed + 500 WHERE year = 2023 AND quarter = 4 "
                             "AND province_code = '52'"))
    with pytest.raises(StageFailed, match="differ from the published release"):
        auto_approved("2023Q4")
    assert _releases(seeded)[-1][0] == "blocked"
    assert not (v1.parent / "v2").exists()

    second = auto_approved("2023Q4", "贵州省四季度务工数据更正")
    assert (second["status"], second["version"]) == ("published", 2)
    assert {p.name: p.read_bytes() for p in v1.iterdir()} == before  # v1 untouched
    with seeded.connect() as conn:
        notes = conn.execute(sa.text("SELECT revision_note FROM releases WHERE version = 2")).scalar_one()
    assert notes == "贵州省四季度务工数据更正"
    assert [r[:2] for r in _releases(seeded)] == [("published", 1), ("blocked", None), ("published", 2)]  # audit


def test_an_unanswered_release_expires(prefect_harness, seeded, monkeypatch, approvers):
    monkeypatch.setenv("CAMPAIGNS_RELEASE_APPROVAL_TIMEOUT_SECONDS", "3")
    get_settings.cache_clear()
    state = press_release(ReleaseParams(period="2023Q1"), return_state=True)
    # Prefect's server fails a paused run whose timeout passed ("expired and never resumed") before the flow
    # can end it as cancelled; either way it is over, unpublished, and says it expired.
    assert isinstance(state, State) and not state.is_completed() and "expired" in state.message.lower()
    assert _releases(seeded)[-1][0] == "expired"
    with seeded.connect() as conn:
        texts = conn.execute(sa.text("SELECT text FROM outbox WHERE channel = '#fpjc-press-office'")).scalars().all()
    assert any("待审核" in t for t in texts) and any("审核超时" in t for t in texts)
    with seeded.connect() as conn:  # the inputs' quality goes to the data stewards, not the press office
        stewards = conn.execute(sa.text("SELECT text FROM outbox WHERE channel = '#fpjc-data-stewards'")
                                ).scalars().all()
    assert any(t.startswith("运行输入检查（农户）") for t in stewards)  # the stage by its Chinese title
    assert not any("运行输入检查" in t for t in texts)


def test_small_cells_are_suppressed_in_the_published_tables(prefect_harness, seeded, tmp_path):
    result = auto_approved("2023Q2")
    table = pd.read_csv(Path(result["path"]) / "tables.csv", dtype=str, encoding="utf-8-sig")
    with seeded.connect() as conn:
        small = conn.execute(sa.text(
            "SELECT province_code FROM households WHERE monitoring_type IS NOT NULL GROUP BY province_code "
            "HAVING COUNT(*) < 10 LIMIT 1")).scalar_one()
    row = table[table["省代码"] == small].iloc[0]
    assert row["纳入监测对象户数(户)"] == "—" and row["纳入监测对象人数(人)"] == "—"
    assert table.loc[table["省代码"] == "00", "纳入监测对象户数(户)"].iloc[0] != "—"

    # The workbook holds numbers as numbers, formatted, under a frozen and filtered header (issue 20, part 2).
    import openpyxl

    book = openpyxl.load_workbook(Path(result["path"]) / "tables.xlsx")
    sheet = book["分省数据"]
    header = [c.value for c in sheet[1]]
    national = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert national["省份"].value == "全国" and sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    households = national["纳入监测对象户数(户)"]
    assert isinstance(households.value, int) and households.number_format == "#,##0"
    assert isinstance(national["风险已消除监测对象占比(%)"].value, float)
    assert national["风险已消除监测对象占比(%)"].number_format == "#,##0.0"
    assert national["脱贫县农村居民人均可支配收入(元)"].number_format == "#,##0"
    row_small = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == small)
    assert row_small[header.index("纳入监测对象户数(户)")].value == "—"
    comparison = book["全国数据对比"]
    first = {h.value: c for h, c in zip(comparison[1], comparison[2], strict=True)}
    assert first["单位"].value == "人" and isinstance(first["本期"].value, int | float)

    # The counties' indicators at the quarter's end, kept for the same quarter of the next year's release.
    with seeded.connect() as conn:
        kept = conn.execute(sa.select(CountyIndicator.source, CountyIndicator.as_of).distinct()).all()
    assert [tuple(k) for k in kept] == [("release", date(2023, 6, 30))]


def test_dry_run_drafts_without_publishing(prefect_harness, seeded, tmp_path):
    result = press_release(ReleaseParams(period="2023Q3", dry_run=True))
    assert result["status"] == "dry run" and Path(result["draft"], "release.html").exists()
    assert _releases(seeded) == []


def test_personal_data_in_a_draft_stops_publication(seeded, tmp_path):
    ctx = CampaignContext(run_id="t", campaign="release", label="t", engine=seeded, notifier=None,
                          output_dir=tmp_path, as_of=pd.Timestamp("2024-01-15").date(), dry_run=True)
    check_publication(ctx, {"release.md": "全国脱贫人口务工就业规模3,397万人"})
    with pytest.raises(StageFailed, match=r"publication\.no_personal_data"):
        check_publication(ctx, {"release.md": "联系人 11010519491231002X"})


def test_a_chart_that_would_show_boxes_cannot_be_published(seeded, tmp_path, last_resort_font):
    """A chart drawn in matplotlib's last-resort font (every Chinese character a box) is refused at the
    publication check, as is a PNG that does not say how it was drawn; a chart in a CJK font passes."""
    import io

    from matplotlib.figure import Figure

    ctx = CampaignContext(run_id="t", campaign="release", label="t", engine=seeded, notifier=None,
                          output_dir=tmp_path, as_of=pd.Timestamp("2024-01-15").date(), dry_run=True)

    def drawn_with(font: str | None) -> bytes:
        buffer = io.BytesIO()
        text = {"Font": font, "Text": "各省脱贫人口务工就业规模"} if font is not None else {}
        Figure().savefig(buffer, format="png", metadata=text)
        return buffer.getvalue()

    with pytest.raises(StageFailed, match=r"publication\.chart_text_drawn"):
        check_publication(ctx, {"release.md": "正文"}, {"chart_employment.png": drawn_with(last_resort_font)})
    with pytest.raises(StageFailed, match=r"publication\.chart_text_drawn"):
        check_publication(ctx, {"release.md": "正文"}, {"chart_employment.png": drawn_with(None)})
    if cjk_font() is not None:
        check_publication(ctx, {"release.md": "正文"}, {"chart_employment.png": drawn_with(cjk_font())})


def test_cli_refuses_to_wait_for_an_approval_nobody_could_give():
    from prefect.settings import PREFECT_API_URL, temporary_settings
    from typer.testing import CliRunner

    from deployments.cli import app

    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        result = CliRunner().invoke(app, ["run", "release", "--period", "2023Q3"])
    assert result.exit_code == 2 and "needs a Prefect server" in result.output
    bad = CliRunner().invoke(app, ["run", "release", "--period", "2023Q5", "--auto-approve"])
    assert bad.exit_code == 2 and "2023Q5" in bad.output and "Traceback" not in bad.output


def test_same_period_last_year_is_what_was_published(prefect_harness, seeded, tmp_path):
    """A release compares with the same period last year as it was published, not as today's data would
    recompute it (a figure the public has read does not move by itself)."""
    from tasks.release.approval import Approval
    from tasks.release.period import Period
    from tasks.release.publish import record

    dry = press_release(ReleaseParams(period="2023Q2", dry_run=True))
    recomputed = dry["figures"]["monitored_households"]["same_period_last_year"]
    published_then = {"00:monitored_households": 4321.0, "00:employed": 98765.0}
    record(seeded, period=Period(2022, 2), status="published", figures=published_then,
           approval=Approval.automatic_approval("pytest"), run_id="published-in-2022", version=1)
    result = auto_approved("2023Q2")
    national = result["figures"]
    assert national["monitored_households"]["same_period_last_year"] == 4321.0 != recomputed
    assert national["employed"]["same_period_last_year"] == 98765.0
    assert national["funds_total"]["same_period_last_year"] is None  # not in what was published: no comparison
    comparison = pd.read_csv(Path(result["path"]) / "comparison.csv", encoding="utf-8-sig", dtype=str)
    row = comparison[comparison["代码"] == "monitored_households"].iloc[0]
    assert row.str.contains("4,321|4321").any(), row.to_dict()
