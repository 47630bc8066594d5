"""Screening rule settings: the defaults of the national practice, each overridable from the parameter form."""

from __future__ import annotations

from pydantic import BaseModel, Field


class LeadRules(BaseModel):
    """线索时限 / lead time limits, counted as the policy counts days (tasks.runs.as_of.limit_end): the
    screening's and the year-round lead watch's."""

    lead_verify_days: int = Field(
        15, ge=1, title="线索核实时限(天) / days to verify",
        description="自反映次日起算，期满(末日24时)仍待核实的线索为超期 / still pending when this many days, counted "
                    "from the day after reporting, have ended: overdue")
    lead_accept_days: int = Field(
        2, ge=0, title="线索受理时限(天) / days to accept",
        description="自反映次日起算，期满(末日24时)后受理或仍未受理的线索为受理迟延 / accepted after, or not "
                    "accepted by, the end of this many days counted from the day after reporting: late")


class ScreeningRules(LeadRules):
    """规则参数 / rule settings (T = the province's monitoring threshold for the year)."""

    income_drop_share: float = Field(
        0.30, ge=0, le=1, title="收入骤减比例 / sharp drop",
        description="人均纯收入较上年下降达到该比例 / per-capita income fell at least this share on last year")
    income_drop_ceiling: float = Field(
        1.5, ge=0, title="骤减上限(倍T) / drop ceiling (× T)",
        description="且低于该倍数的监测范围 / and is below this multiple of T")
    rigid_expenditure_share: float = Field(
        0.5, ge=0, title="刚性支出比例 / rigid expenditure",
        description="合规自付支出占家庭纯收入的比例 / 合规自付支出 as a share of household net income")
    elimination_min_months: int = Field(
        6, ge=0, title="消除前最短监测月数 / months before elimination",
        description="识别后至少监测的月数 / months under monitoring before risk can be eliminated")
