"""Campaign 3: routine press data releases (按季、半年、全年例行发布), with a human approval gate.

Figures (inputs checked) → checks (sums, signs, shares, small cells, personal data; large changes and
revisions listed) → draft → approval (a paused flow run with a form in the Prefect UI) → publish (a new
version folder with a manifest, never overwritten) → notify the press office."""

from __future__ import annotations

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
from flows.fan_out import fan_out, partition_runner
from tasks.notify.hooks import failure_hook
from tasks.notify.masking import PersonalDataMasker
from tasks.outputs.links import approval_link, report_link
from tasks.partitions.plan import plan
from tasks.quality.outliers import OutlierRules
from tasks.reference.provinces import PROVINCES
from tasks.release import announce, publication
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
from tasks.release.publish import ReleaseOutcome, latest_published, record
from tasks.release.stages import (
    ReleaseDraft,
    check_period_ended,
    check_release,
    compute_release,
    gate_approval,
    release_counts,
)
from tasks.runs.audit import record_event
from tasks.runs.campaign import campaign_run, close_run
from tasks.runs.check import StageFailed
from tasks.runs.context import CampaignContext
from tasks.runs.form import run_name_of
from tasks.runs.period_slot import period_slot
from tasks.settings import get_settings
from tasks.storage.retries import TRANSIENT_RETRIES, with_retries


@task(name="compute figures", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def compute_figures(ctx: CampaignContext, params: ReleaseParams, tables: dict, counted: list) -> ReleaseDraft:
    """Year-to-date figures, nationally and per province, with last year's and the previous release's."""
    return compute_release(ctx, params.resolved_period(), tables, counted)


@task(name="check figures", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def check_figures(ctx: CampaignContext, release: ReleaseDraft) -> ReleaseDraft:
    """Sums, signs and shares; small cells suppressed; no personal data; large changes and revisions listed."""
    return check_release(ctx, release, ctx.settings.release_min_cell_households,
                         ctx.settings.release_min_change_households, ctx.settings.release_protection)


@task(name="render draft", cache_policy=NO_CACHE, **TRANSIENT_RETRIES)
def render_draft(ctx: CampaignContext, release: ReleaseDraft) -> str:
    """The draft (text, tables, charts), then the check that it holds no personal data."""
    return publication.render_checked_draft(ctx, release)


@task(name="publish", cache_policy=NO_CACHE)
def publish(ctx: CampaignContext, release: ReleaseDraft, approval: Approval, draft: str) -> dict:
    """The approved draft in a new version folder, with its manifest (tasks.release.publication)."""
    return publication.publish(ctx, release, approval, draft)


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
    published = with_retries(lambda: latest_published(ctx.engine, release.period), "read the published versions")
    links = draft_links(ctx, draft)
    announce.waiting(ctx, release, links)
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
                      report_link(Path(draft) / "tables.xlsx", ctx.settings), ctx.flow_run_url or "",
                      approval_link(flow_run.get_id(), ctx.settings))


def forget_answer(key: str) -> None:
    """Delete the paused run's stored answer (Prefect keeps a form's input on its server)."""
    from prefect.input import delete_flow_run_input, keyset_from_paused_state
    from prefect.states import Paused

    delete_flow_run_input(keyset_from_paused_state(Paused(pause_key=key))["response"])


@flow(name="press-release", flow_run_name=run_name_of(ReleaseParams), on_failure=[failure_hook("release")],
      on_crashed=[failure_hook("release")], task_runner=partition_runner())
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
          campaign_run(params.run_spec(), params, settings=settings, dry_run=params.dry_run or checking) as ctx):
        engine, run_id = ctx.engine, ctx.run_id
        check_period_ended(ctx, period)
        if checking:
            ctx.watermark = publication.published_watermark(ctx, period, params.as_published)
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
        release = check_figures(ctx, compute_figures(ctx, params, tables, [p.counted for p in parts]))
        draft = render_draft(ctx, release)
        create_markdown_artifact(release.summary_markdown(draft_links(ctx, draft)), key="release-draft",
                                 description=ctx.label)
        create_table_artifact(release.headline_rows(), key="release-figures", description=ctx.label)
        if checking:
            return publication.reproduced(ctx, release, params.as_published)
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
        published = publish(ctx, release, approval, draft)
        announce.published(ctx, release, approval, published)
    logger.info("%s published as v%s in %s", ctx.label, published["version"], published["path"])
    return {"period": period.label, "status": "published", **published, "figures": release.national}
