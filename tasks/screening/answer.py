"""A screening period's answer given again: a run with the inputs of the period's last completed run
(tasks.runs.answered) shows that run's figures, while its lists are all in the folder and its findings all
stored."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact, create_table_artifact
from sqlalchemy import func, select

from tasks.model import ScreeningFinding
from tasks.outputs.links import report_link
from tasks.runs.answered import standing_answer
from tasks.runs.context import CampaignContext
from tasks.screening.params import ScreeningParams
from tasks.screening.report import ScreeningSummary, answer_outputs, province_table, summary_markdown
from tasks.storage.retries import with_retries


def answer_again(ctx: CampaignContext, params: ScreeningParams) -> ScreeningSummary | None:
    """The last completed run's answer, when this run's inputs are its own and all it wrote is still there:
    its figures shown again, nobody told again, nothing written again. None: work it out."""
    if params.recompute or params.dry_run:
        return None
    answer = standing_answer(ctx.output_dir, ctx.inputs, ctx.previous_run.get("inputs_digest"), answer_outputs)
    if answer is None or with_retries(lambda: _findings_stored(ctx, params, answer),
                                      "count the findings stored") != answer.get("findings_stored"):
        return None
    ctx.answered_by = ctx.previous_run["finished_at"]
    ctx.set_aside_written = True  # those of the run that worked the answer out stand
    summary: ScreeningSummary = {**answer, "rows_rechecked": 0, "answered_by": ctx.answered_by}
    summary_artifacts(ctx, summary, report_link(ctx.output_dir, ctx.settings))
    return summary


def _findings_stored(ctx: CampaignContext, params: ScreeningParams, answer: dict) -> int:
    with ctx.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ScreeningFinding).where(
            ScreeningFinding.year == params.year, ScreeningFinding.mode == params.mode.value,
            ScreeningFinding.as_of == params.as_of,
            ScreeningFinding.province_code.in_(list(answer["provinces"])))).scalar_one()


def summary_artifacts(ctx: CampaignContext, summary: ScreeningSummary, folder: str | None) -> None:
    """The run's figures in the Prefect UI: per province, and the summary in the lists' own words."""
    table = province_table(summary)
    create_table_artifact(table.to_dict("records"), key="screening-provinces",
                          description=f"{ctx.label}: per province")
    create_markdown_artifact(key="screening-summary", description=ctx.label,
                             markdown=summary_markdown(ctx.label, summary, folder))
