"""Campaign 3: routine press data releases (按季、半年、全年例行发布), with a human approval gate.

Figures (inputs checked) → checks (sums, signs, shares, small cells, personal data; large changes and
revisions listed) → draft → approval (a paused flow run with a form in the Prefect UI) → publish (a new
version folder with a manifest, never overwritten) → notify the press office."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.exceptions import FlowPauseTimeout
from prefect.flow_runs import pause_flow_run
from prefect.runtime import flow_run
from prefect.states import Cancelled, State

from flows.counting import check_national_inputs, count_partition
from flows.county_checks import check_county_indicators
from flows.fan_out import fan_out
from tasks.notify.hooks import failure_hook
from tasks.notify.masking import PersonalDataMasker
from tasks.outputs.links import report_link
from tasks.partitions.plan import plan
from tasks.partitions.runner import SettingsTaskRunner
from tasks.quality.outliers import OutlierRules
from tasks.reference.provinces import PROVINCES
from tasks.release import announce
from tasks.release.approval import (
    Approval,
    Decision,
    DraftLinks,
    approval_form,
    automatic_approval,
    form_description,
    must_read,
)
from tasks.release.approvers import load_approvers, verified
from tasks.release.params import ReleaseParams
from tasks.release.prepare import (
    ReleaseDraft,
    check_period_ended,
    check_publication,
    check_release,
    compute_release,
    gate_approval,
    release_counts,
)
from tasks.release.publish import ReleaseOutcome, latest_published, record
from tasks.release.render import DATE_FORMAT, DATED, redate, render_draft
from tasks.runs.audit import record_event
from tasks.runs.campaign import campaign_run, close_run
from tasks.runs.check import StageFailed
from tasks.runs.context import CampaignContext
from tasks.runs.period_slot import period_slot
from tasks.settings import get_settings
from tasks.storage.retries import TRANSIENT_RETRIES


def _run_name() -> str:
    raw = flow_run.parameters.get("params") or {}
    params = raw if isinstance(raw, ReleaseParams) else ReleaseParams.model_validate(raw)
    period = params.resolved_period()
    return f"release {period.label} {period.release_type}" + (" dry run" if params.dry_run else "")


@task(name="compute figures", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def compute_figures_task(ctx: CampaignContext, params: ReleaseParams, tables: dict, counted: list) -> ReleaseDraft:
    """Year-to-date figures, nationally and per province, with last year's and the previous release's."""
    return compute_release(ctx, params.resolved_period(), tables, counted)


@task(name="check figures", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def check_figures_task(ctx: CampaignContext, release: ReleaseDraft) -> ReleaseDraft:
    """Sums, signs and shares; small cells suppressed; no personal data; large changes and revisions listed."""
    return check_release(ctx, release, ctx.settings.release_min_cell_households,
                         ctx.settings.release_min_change_households, ctx.settings.release_protection)


@task(name="render draft", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def render_draft_task(ctx: CampaignContext, release: ReleaseDraft) -> str:
    """The draft (text, tables, charts), then the check that it holds no personal data."""
    folder = ctx.output_dir / "draft"
    render_draft(release.draft, folder, ctx.settings.release_templates_dir,
                 published_on=datetime.now(ctx.settings.tz).strftime(DATE_FORMAT))
    published = {"release.md": (folder / "release.md").read_text("utf-8")}
    for table in ("tables.csv", "comparison.csv"):
        if (folder / table).exists():
            published[table] = pd.read_csv(folder / table, dtype=str, encoding="utf-8-sig")
    check_publication(ctx, published, {path.name: path.read_bytes() for path in sorted(folder.glob("*.png"))})
    return str(folder.resolve())


@task(name="publish", cache_policy=NO_CACHE)
def publish_task(ctx: CampaignContext, release: ReleaseDraft, approval: Approval, draft: str) -> dict:
    """The approved draft's files in a new version folder, with their manifest: as approved, but the date of
    the text's signature, which is the day of publication."""
    import shutil

    from tasks.release.publish import manifest, version_folder

    version, folder = version_folder(ctx.output_dir, release.period, ctx.engine)
    folder.mkdir(parents=True)
    today = datetime.now(ctx.settings.tz).strftime(DATE_FORMAT)
    for path in sorted(Path(draft).iterdir()):
        if path.name in DATED:  # dated the day it is published; every other byte as approved
            (folder / path.name).write_text(redate(path.read_text("utf-8"), release.draft.issuer, today), "utf-8")
        elif path.is_file():
            shutil.copy2(path, folder / path.name)
    files = manifest(folder)
    decision = {"reviewer": approval.reviewer, "unit": approval.unit, "identity": approval.identity,
                "comment": approval.comment, "automatic": approval.automatic,
                "revision_note": approval.revision_note, "explanation": approval.explanation,
                "decided_at": datetime.now(ctx.settings.tz).isoformat(timespec="seconds")}
    # What the figures read: the period's roster as recorded up to this batch. Read again at it, the period
    # gives these figures again whatever was recorded since (campaigns run release --as-published N).
    roster = {"as_of": release.period.end.isoformat(), "watermark": ctx.watermark,
              "revision_of": release.published_version, "records_changed": release.record_changes}
    (folder / "manifest.json").write_text(json.dumps(
        {"period": release.period.label, "release_type": release.period.release_type, "version": version,
         "approval": decision, "roster": roster, **files}, ensure_ascii=False, indent=2), encoding="utf-8")
    record(ctx.engine, period=release.period, status="published", figures=release.published_figures,
           approval=approval, run_id=ctx.run_id, version=version, path=folder, files=files["files"],
           watermark=ctx.watermark, withheld=release.withheld)
    return {"version": version, "path": str(folder.resolve())}


def published_watermark(ctx: CampaignContext, period, version: int) -> int:
    """The roster batch published version `version` of `period` read."""
    published = latest_published(ctx.engine, period, version)
    if published is None or published.watermark is None:
        raise StageFailed(f"{ctx.label}: v{version} of {period.label} was not published with its roster watermark "
                          "(published before the roster kept its history): it cannot be read again as published")
    return published.watermark


def reproduced(ctx: CampaignContext, release: ReleaseDraft, version: int) -> ReleaseOutcome:
    """Whether the figures read at version `version`'s watermark are the ones it published, cell by cell."""
    published = latest_published(ctx.engine, release.period, version)
    now = json.loads(json.dumps(release.published_figures, default=str))
    differing = sorted(k for k in set(now) | set(published.figures) if now.get(k) != published.figures.get(k))
    get_run_logger().info("%s: read as v%s read it (roster batch %s): %s", ctx.label, version, ctx.watermark,
                          "the published figures" if not differing else f"{len(differing)} cell(s) differ")
    return {"period": release.period.label, "status": "reproduced" if not differing else "differs",
            "version": version, "differing": differing, "figures": release.national}


MAX_REFUSED = 5  # answers by someone not on the list (or a wrong code) before the run stops


def _decide(ctx: CampaignContext, release: ReleaseDraft, draft: str) -> Approval | None:
    """The approval: automatic (only when this process asked for it: `approved_automatically`), or an
    approver's through the paused run's form; None when it expired. An answer that cannot stand (a name not
    on the list or a wrong code, a rejection without a reason, a large change or revision not answered) is
    asked again inside the pause, saying why, so that the run never fails over a form."""
    automatic = automatic_approval()
    if automatic is not None:
        return automatic
    if not load_approvers(ctx.settings.approvers_path()):
        raise StageFailed(f"{ctx.label}: 没有审核人，无法审核：请先用 `campaigns approvers add 姓名 --unit 单位` "
                          f"添加 / nobody is on the approvers' list {ctx.settings.approvers_path()}")
    published = latest_published(ctx.engine, release.period)
    links = draft_links(ctx, draft)
    announce.waiting(ctx, release, links.draft)
    note, attempt, refused = "", 0, 0
    while True:
        description = form_description(release.period.title, links, note)
        form_class = approval_form(must_read(
            release.headline_beside_last_year(), release.warnings[:release.national_warnings],
            release.warnings[release.national_warnings:], release.revisions,
            published.version if published else None, note, release.outliers, links))
        key = f"approval-{attempt}"
        try:
            form = pause_flow_run(wait_for_input=form_class.with_initial_data(description=description),
                                  timeout=ctx.settings.release_approval_timeout_seconds, poll_interval=2, key=key)
        except FlowPauseTimeout:  # nobody decided in time
            return None
        forget_answer(key)  # the answer held the approval code: it stays in nobody's database
        attempt += 1
        approval = Approval.from_form(form)
        # Read again at each answer: an approver removed while the run waited (a leaked code) is refused.
        approvers = load_approvers(ctx.settings.approvers_path())
        approver = verified(approvers, approval.reviewer, form.approval_code.get_secret_value())
        if approver is None:
            refused += 1
            claimed = PersonalDataMasker(ctx.engine).mask(approval.reviewer)  # not verified: not a staff name
            record_event(ctx.engine, "release.approval_refused", claimed, run_id=ctx.run_id,
                         subject=f"{release.period.label} {release.period.release_type}",
                         detail="不在审核人名单中或审核码不符 / not on the list or a wrong approval code")
            announce.refused(ctx, claimed, refused, MAX_REFUSED)
            if refused >= MAX_REFUSED:
                raise StageFailed(f"{ctx.label}: {refused} 次审核未采纳（不在名单中或审核码不符），运行停止 / "
                                  f"{refused} answers refused: not on the approvers' list or a wrong code")
            note = "上次填写未采纳：审核人不在名单中或审核码不正确。请审核人本人填写 / the last answer was refused"
            continue
        approval.unit, approval.identity = approver.unit, "审核码已核验 / approval code checked"
        problems = approval.problems(len(release.revisions), len(release.warnings),
                                     release.published_version is not None)
        if problems:
            note = "请补充后重新提交 / answer and submit again: " + "；".join(problems)
            continue
        return approval


def draft_links(ctx: CampaignContext, draft: str) -> DraftLinks:
    """The draft's page and table where a browser opens them (the UI's own Artifacts tab cannot be linked:
    it rewrites ?tab=Artifacts to its Logs tab)."""
    return DraftLinks(report_link(Path(draft) / "release.html", ctx.settings),
                      report_link(Path(draft) / "tables.xlsx", ctx.settings), ctx.flow_run_url or "")


def forget_answer(key: str) -> None:
    """Delete the paused run's stored answer (Prefect keeps a form's input on its server)."""
    from prefect.input import delete_flow_run_input, keyset_from_paused_state
    from prefect.states import Paused

    delete_flow_run_input(keyset_from_paused_state(Paused(pause_key=key))["response"])


@flow(name="press-release", flow_run_name=_run_name, on_failure=[failure_hook("release")],
      on_crashed=[failure_hook("release")], task_runner=SettingsTaskRunner())
def press_release(params: ReleaseParams) -> ReleaseOutcome | State:
    """例行数据发布: compute the period's headline figures, check them, draft the release, wait for a
    person's approval, publish a new version and tell the press office."""
    period = params.resolved_period()
    logger = get_run_logger()
    settings = get_settings()
    checking = params.as_published is not None  # a published version read again: to compare, never to publish
    # Every run of the period, dry runs included (they write the draft the approver reads), holds its slot.
    with (period_slot("release", period.label, flow_name=press_release.name, run_prefix=f"release {period.label} ",
                      lease_seconds=settings.release_slot_lease_seconds, flow_run_id=flow_run.get_id()),
          campaign_run("release", period.label, label=f"数据发布 {period.label} {period.release_type}",
                       params=params, dry_run=params.dry_run or checking, settings=settings,
                       output_dir=settings.output_dir / "releases" / period.label) as ctx):
        engine, run_id = ctx.engine, ctx.run_id
        check_period_ended(ctx, period)
        if checking:
            ctx.watermark = published_watermark(ctx, period, params.as_published)
        # The roster and loans, per partition of provinces on the task runner: each hands back its counts.
        # They start first; the reported tables are checked here meanwhile.
        provinces = [p.code for p in PROVINCES]
        partitions = plan(engine, provinces, settings, budget=settings.count_partition_households)
        roster = fan_out(ctx, partitions, count_partition, pd.Timestamp(period.end), release_counts,
                         {"period": period})
        tables = roster.alongside(lambda: check_national_inputs(ctx, provinces))
        parts = roster.counts()
        if not checking:  # a published version read again tells the counties nothing new
            check_county_indicators(ctx, "release", period.end, [p.county_sums for p in parts], OutlierRules())
        release = check_figures_task(ctx, compute_figures_task(ctx, params, tables, [p.counted for p in parts]))
        draft = render_draft_task(ctx, release)
        create_markdown_artifact(release.summary_markdown(draft_links(ctx, draft)), key="release-draft",
                                 description=ctx.label)
        create_table_artifact(release.headline_rows(), key="release-figures", description=ctx.label)
        if checking:
            return reproduced(ctx, release, params.as_published)
        if params.dry_run:
            return {"period": period.label, "status": "dry run", "draft": draft, "figures": release.national}
        automatic = automatic_approval()
        if release.unchanged_since_published and not (automatic and automatic.revision_note):
            logger.info("%s: the figures equal published v%s; nothing to publish", ctx.label, release.published_version)
            close_run(ctx, "completed")
            return {"period": period.label, "status": "unchanged", "version": release.published_version}
        approval = _decide(ctx, release, draft)
        if approval is None:
            record(engine, period=period, status="expired", figures=release.published_figures, approval=None,
                   run_id=run_id, reason="no decision before the approval timeout")
            announce.expired(ctx, release)
            close_run(ctx, "expired")
            return Cancelled(name="Expired", message=f"{ctx.label}: approval expired; nothing published")
        if approval.decision == Decision.reject:
            record(engine, period=period, status="rejected", figures=release.published_figures,
                   approval=approval, run_id=run_id)
            announce.rejected(ctx, release, approval)
            close_run(ctx, "rejected")
            # Not green: a rejected release published nothing, as an expired one.
            # The state is shown in the UI and printed by the CLI: the comment is masked like a message.
            reason = PersonalDataMasker(engine).mask(approval.comment)
            return Cancelled(name="Rejected",
                             message=f"{ctx.label}: rejected (已退回) by {approval.reviewer}: {reason}")
        gate_approval(ctx, release, approval)  # the approval checkpoint: revisions and large changes answered
        record_event(engine, "release.approved", approval.reviewer or "automatic approval",
                     subject=f"{period.label} {period.release_type}", run_id=run_id, detail=approval.comment,
                     parameters={"automatic": approval.automatic, "unit": approval.unit,
                                 "identity": approval.identity, "revision_note": approval.revision_note,
                                 "explanation": approval.explanation})
        published = publish_task(ctx, release, approval, draft)
        announce.published(ctx, release, approval, published)
    logger.info("%s published as v%s in %s", ctx.label, published["version"], published["path"])
    return {"period": period.label, "status": "published", **published, "figures": release.national}
