"""Programme figures around the roster: linkage funds, employment, rural incomes, microcredit, training."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped

from tasks.model.base import Base, col


class LinkageFund(Base):
    __tablename__ = "linkage_funds"
    __table_args__ = (
        Index("ix_linkage_funds_province_year", "province_code", "year"),
        {"comment": "中央财政衔接推进乡村振兴补助资金 (按县、年度、季度、用途)"},
    )

    county_code: Mapped[str] = col("县代码", String(6), primary_key=True)
    year: Mapped[int] = col("年度", Integer, primary_key=True)
    quarter: Mapped[int] = col("下达季度", Integer, primary_key=True)
    use: Mapped[str] = col("资金用途", String(20), primary_key=True)
    province_code: Mapped[str] = col("省代码", String(2))
    amount: Mapped[float] = col("金额(万元)", Float)


class Employment(Base):
    __tablename__ = "employment"
    __table_args__ = {"comment": "脱贫人口务工就业 (按省、季度末)"}

    province_code: Mapped[str] = col("省代码", String(2), primary_key=True)
    year: Mapped[int] = col("年度", Integer, primary_key=True)
    quarter: Mapped[int] = col("季度", Integer, primary_key=True)
    employed: Mapped[int] = col("脱贫人口务工就业人数", Integer)
    employed_relocated: Mapped[int] = col("其中易地搬迁脱贫人口", Integer)
    employed_key_counties: Mapped[int] = col("其中重点帮扶县脱贫人口", Integer)


class RuralIncome(Base):
    """What the statistics office's rural household survey reports for a province's 脱贫县: the per-capita
    disposable income of their rural residents, year to date, and how many they are (the weight of the
    national figure)."""

    __tablename__ = "rural_incomes"
    __table_args__ = {"comment": "脱贫县农村居民人均可支配收入 (统计部门住户调查, 按省、季度, 年初至季末)"}

    province_code: Mapped[str] = col("省代码", String(2), primary_key=True)
    year: Mapped[int] = col("年度", Integer, primary_key=True)
    quarter: Mapped[int] = col("季度", Integer, primary_key=True)
    income: Mapped[float] = col("人均可支配收入(元, 年初至季末)", Float)
    population: Mapped[float] = col("农村常住人口(万人)", Float)


class MicrocreditLoan(Base):
    __tablename__ = "microcredit_loans"
    __table_args__ = (
        Index("ix_microcredit_province_issued", "province_code", "issued_on"),
        {"comment": "脱贫人口小额信贷"},
    )

    loan_no: Mapped[str] = col("贷款编号", String(40), primary_key=True)
    household_no: Mapped[str | None] = col("户编号", String(32))
    province_code: Mapped[str | None] = col("省代码", String(2))
    county_code: Mapped[str | None] = col("县代码", String(6))
    issued_on: Mapped[date | None] = col("发放日期", Date)
    amount: Mapped[float | None] = col("贷款金额(元)", Float)
    term_months: Mapped[int | None] = col("贷款期限(月)", Integer)


class TrainingEnrolment(Base):
    __tablename__ = "training_enrolments"
    __table_args__ = (
        Index("ix_training_province_year", "province_code", "year"),
        {"comment": "雨露计划与技能培训"},
    )

    enrolment_no: Mapped[str] = col("培训记录编号", String(48), primary_key=True)
    person_no: Mapped[str | None] = col("成员编号", String(40))
    household_no: Mapped[str | None] = col("户编号", String(32))
    province_code: Mapped[str | None] = col("省代码", String(2))
    year: Mapped[int | None] = col("年度", Integer)
    programme: Mapped[str | None] = col("培训项目", String(16))
    enrolled_on: Mapped[date | None] = col("开始日期", Date)
    completed: Mapped[bool | None] = col("是否结业", Boolean)
