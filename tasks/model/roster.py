"""The monitoring roster as the national system holds it: households, persons, measures, problem leads.

Coded and foreign-key-like columns are deliberately unconstrained: the roster stores what counties
submitted, and the data-quality checkpoints, not the schema, decide what a campaign may use.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped

from tasks.model.base import Base, col

Money = Float  # yuan; doubles keep pandas vectorised, reports round to the yuan


class Versioned:
    """Which version of its row a roster row is (tasks.model.history keeps the versions it replaced): the
    batch that recorded it, and whether it told of an event, and from which day, or corrected the version
    before it. Read "as of" a period through tasks.storage.versions."""

    # Last in each table (sort_order). No batch: recorded before the roster kept history.
    batch_id: Mapped[int | None] = col("登记批次", Integer, sort_order=100)
    change: Mapped[str | None] = col("变更类型", String(12), sort_order=100)  # new / event / correction
    # An event's day; a correction keeps the day of the version it corrects; a first version has none.
    episode_on: Mapped[date | None] = col("变更生效日期", Date, sort_order=100)
    # The row rules this version was checked with where it arrived (tasks.quality.row_checks: a hash of the
    # rules and the reference data they read), and why it failed them (one reason per line; None: it passed).
    # A campaign checks again only a version whose rules have changed since.
    checked_with: Mapped[str | None] = col("检查规则版本", String(16), sort_order=100)
    check_reasons: Mapped[str | None] = col("检查未通过原因", Text, sort_order=100)
    # The line of the county's file this version came from (its file: the batch's ingest run), so that a row a
    # campaign sets aside later is found where the county sent it; None for rows not sent as a file.
    source_row: Mapped[int | None] = col("文件行号", Integer, sort_order=100)


class Household(Versioned, Base):
    __tablename__ = "households"
    __table_args__ = (
        Index("ix_households_province_county", "province_code", "county_code"),
        # The relocation follow-up reads the households ever at a site (a twelfth of them), several times a run.
        Index("ix_households_relocated", "household_no", sqlite_where=text("in_relocation_area IS 1"),
              postgresql_where=text("in_relocation_area IS true")),
        {"comment": "农户 (脱贫户与监测户)"},
    )

    household_no: Mapped[str] = col("户编号", String(32), primary_key=True)
    province_code: Mapped[str | None] = col("省代码", String(2))
    county_code: Mapped[str | None] = col("县代码", String(6))
    phone: Mapped[str | None] = col("联系电话", String(20))
    household_size: Mapped[int | None] = col("家庭人口数", Integer)
    is_poverty_alleviated: Mapped[bool | None] = col("是否脱贫户", Boolean)
    monitoring_type: Mapped[str | None] = col("监测对象类别", String(16))
    identified_on: Mapped[date | None] = col("识别监测时间", Date)
    risk_code_1: Mapped[str | None] = col("致贫返贫风险1", String(4))
    risk_code_2: Mapped[str | None] = col("致贫返贫风险2", String(4))
    risk_code_3: Mapped[str | None] = col("致贫返贫风险3", String(4))
    risk_code_4: Mapped[str | None] = col("致贫返贫风险4", String(4))
    risk_code_5: Mapped[str | None] = col("致贫返贫风险5", String(4))
    risk_status: Mapped[str | None] = col("风险是否消除", String(16))
    elimination_way: Mapped[str | None] = col("风险消除方式", String(16))
    eliminated_on: Mapped[date | None] = col("风险消除时间", Date)
    income_year: Mapped[int | None] = col("收入年度", Integer)
    wage_income: Mapped[float | None] = col("工资性收入", Money)
    business_income: Mapped[float | None] = col("生产经营性收入", Money)
    property_income: Mapped[float | None] = col("财产性收入", Money)
    transfer_income: Mapped[float | None] = col("转移性收入", Money)
    business_expenses: Mapped[float | None] = col("生产经营性支出", Money)
    net_income: Mapped[float | None] = col("家庭纯收入", Money)
    per_capita_net_income: Mapped[float | None] = col("家庭人均纯收入", Money)
    prev_wage_income: Mapped[float | None] = col("上年工资性收入", Money)
    prev_business_income: Mapped[float | None] = col("上年生产经营性收入", Money)
    prev_property_income: Mapped[float | None] = col("上年财产性收入", Money)
    prev_transfer_income: Mapped[float | None] = col("上年转移性收入", Money)
    prev_business_expenses: Mapped[float | None] = col("上年生产经营性支出", Money)
    prev_net_income: Mapped[float | None] = col("上年家庭纯收入", Money)
    prev_per_capita_net_income: Mapped[float | None] = col("上年家庭人均纯收入", Money)
    compliant_oop_expenditure: Mapped[float | None] = col("合规自付支出", Money)
    housing_secure: Mapped[bool | None] = col("住房安全有保障", Boolean)
    education_secure: Mapped[bool | None] = col("义务教育有保障", Boolean)
    medical_secure: Mapped[bool | None] = col("基本医疗有保障", Boolean)
    drinking_water_secure: Mapped[bool | None] = col("饮水安全有保障", Boolean)
    in_relocation_area: Mapped[bool | None] = col("居住在易地扶贫搬迁集中安置区", Boolean)
    relocation_site_code: Mapped[str | None] = col("安置区", String(20))


class Person(Versioned, Base):
    __tablename__ = "persons"
    __table_args__ = (
        Index("ix_persons_household", "household_no"),
        Index("ix_persons_id_number", "id_number"),
        Index("ix_persons_province", "province_code"),
        Index("ix_persons_name", "name"),  # the notifier looks names up to mask them
        {"comment": "家庭成员"},
    )

    person_no: Mapped[str] = col("成员编号", String(40), primary_key=True)
    household_no: Mapped[str | None] = col("户编号", String(32))
    province_code: Mapped[str | None] = col("省代码", String(2))
    id_type: Mapped[str | None] = col("证件类型", String(16))
    id_number: Mapped[str | None] = col("证件号码", String(20))
    name: Mapped[str | None] = col("姓名", String(40))
    sex: Mapped[str | None] = col("性别", String(1))
    birth_date: Mapped[date | None] = col("出生日期", Date)
    relation: Mapped[str | None] = col("与户主关系", String(16))
    ethnicity: Mapped[str | None] = col("民族", String(2))
    schooling: Mapped[str | None] = col("文化程度", String(16))
    in_school: Mapped[bool | None] = col("在校生情况", Boolean)
    health: Mapped[str | None] = col("健康状况", String(16))
    labour_skill: Mapped[str | None] = col("劳动技能", String(16))
    work_location: Mapped[str | None] = col("务工地点", String(16))
    months_employed: Mapped[int | None] = col("务工时长(月)", Integer)
    public_welfare_job: Mapped[bool | None] = col("公益岗位", Boolean)
    dibao: Mapped[bool | None] = col("低保", Boolean)
    tekun: Mapped[bool | None] = col("特困", Boolean)
    relocated: Mapped[bool | None] = col("易地搬迁人口", Boolean)


class Measure(Versioned, Base):
    __tablename__ = "measures"
    __table_args__ = (
        Index("ix_measures_household", "household_no"),
        Index("ix_measures_province", "province_code"),
        {"comment": "帮扶措施"},
    )

    measure_no: Mapped[str] = col("措施编号", String(40), primary_key=True)
    household_no: Mapped[str | None] = col("户编号", String(32))
    province_code: Mapped[str | None] = col("省代码", String(2))
    category: Mapped[str | None] = col("帮扶措施类别", String(32))
    kind: Mapped[str | None] = col("措施类型(开发式/兜底)", String(16))
    start_on: Mapped[date | None] = col("开始时间", Date)
    end_on: Mapped[date | None] = col("结束时间", Date)


class Lead(Versioned, Base):
    __tablename__ = "leads"
    __table_args__ = (
        Index("ix_leads_province_reported", "province_code", "reported_at"),
        Index("ix_leads_id_number", "id_number"),
        Index("ix_leads_name", "name"),
        {"comment": "问题线索"},
    )

    lead_no: Mapped[str] = col("线索编号", String(32), primary_key=True)
    channel: Mapped[str | None] = col("线索来源渠道", String(32))
    department: Mapped[str | None] = col("推送部门", String(40))
    province_code: Mapped[str | None] = col("省代码", String(2))
    county_code: Mapped[str | None] = col("县代码", String(6))
    id_number: Mapped[str | None] = col("证件号码", String(20))
    name: Mapped[str | None] = col("姓名", String(40))
    phone: Mapped[str | None] = col("联系电话", String(20))
    household_no: Mapped[str | None] = col("户编号", String(32))
    risk_code: Mapped[str | None] = col("风险类型", String(4))
    reported_at: Mapped[datetime | None] = col("反映时间", DateTime)
    accepted_at: Mapped[datetime | None] = col("受理时间", DateTime)
    verified_at: Mapped[datetime | None] = col("核实时间", DateTime)
    status: Mapped[str | None] = col("线索状态", String(16))
    outcome: Mapped[str | None] = col("核实结果", String(16))
