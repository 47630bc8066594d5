"""The assistance pairings (东西部协作, 中央单位定点帮扶, 驻村帮扶; the policy's part 一（二）): each pairing's
annual agreement or responsibility book with its targets, its progress to each quarter's end, and the village
work teams with their first secretaries. A helped county (or its province) reports them; sending a year's
agreement, a quarter's progress or a team again replaces it (its own correction)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped

from tasks.model.base import Base, col

# What an agreement sets targets for and a quarter's progress reports, to date (累计): the six areas of the
# east–west cooperation, then what a central unit's responsibility book adds. Key -> (name, unit).
AREAS: dict[str, tuple[str, str]] = {
    "projects": ("项目建设", "个"),
    "labour": ("劳务协作", "人"),
    "parks": ("园区共建", "个"),
    "industry": ("产业协作", "个"),
    "cadres": ("干部人才交流", "人次"),
    "consumption": ("消费帮扶", "万元"),
    "funds_in": ("投入帮扶资金", "万元"),
    "funds_brought": ("引进帮扶资金", "万元"),
    "trained": ("培训基层干部和技术人员", "人次"),
    "purchased": ("购买脱贫地区农产品", "万元"),
    "sold": ("帮助销售脱贫地区农产品", "万元"),
}


class PairingAgreement(Base):
    __tablename__ = "pairing_agreements"
    __table_args__ = (
        Index("ix_pairing_agreements_year", "year", "province_code"),
        {"comment": "东西部协作和中央单位定点帮扶年度协议(责任书)及目标 (受帮扶县报送)"},
    )

    agreement_no: Mapped[str] = col("协议编号", String(48), primary_key=True)
    pairing_no: Mapped[str] = col("结对编号", String(40))
    pairing_kind: Mapped[str] = col("帮扶类型", String(20))
    year: Mapped[int] = col("年度", Integer)
    helper: Mapped[str] = col("帮扶方", String(100))
    province_code: Mapped[str | None] = col("省代码", String(2))
    county_code: Mapped[str] = col("县代码", String(6))
    signed_on: Mapped[date | None] = col("协议签订日期", Date)
    # One target column per area (target_projects …), declared from AREAS.
    for _key, (_name, _unit) in AREAS.items():
        locals()[f"target_{_key}"] = col(f"{_name}目标({_unit})", Float, nullable=True)
    del _key, _name, _unit
    reported_on: Mapped[date | None] = col("填报日期", Date)


class PairingProgress(Base):
    __tablename__ = "pairing_progress"
    __table_args__ = (
        Index("ix_pairing_progress_period", "year", "quarter", "province_code"),
        {"comment": "东西部协作和中央单位定点帮扶季度进展(年初至季度末累计) (受帮扶县报送)"},
    )

    progress_no: Mapped[str] = col("报表编号", String(48), primary_key=True)
    pairing_no: Mapped[str] = col("结对编号", String(40))
    year: Mapped[int] = col("年度", Integer)
    quarter: Mapped[int] = col("季度", Integer)
    province_code: Mapped[str | None] = col("省代码", String(2))
    county_code: Mapped[str | None] = col("县代码", String(6))
    for _key, (_name, _unit) in AREAS.items():  # done_projects …: the year's to the quarter's end
        locals()[f"done_{_key}"] = col(f"{_name}完成({_unit})", Float, nullable=True)
    del _key, _name, _unit
    reported_on: Mapped[date | None] = col("填报日期", Date)


class VillageTeam(Base):
    __tablename__ = "village_teams"
    __table_args__ = (
        Index("ix_village_teams_county", "province_code", "county_code"),
        {"comment": "驻村第一书记和工作队 (县报送)"},
    )

    team_no: Mapped[str] = col("工作队编号", String(40), primary_key=True)
    province_code: Mapped[str | None] = col("省代码", String(2))
    county_code: Mapped[str] = col("县代码", String(6))
    village: Mapped[str] = col("村名称", String(60))
    unit: Mapped[str | None] = col("派出单位", String(100))
    secretary: Mapped[str | None] = col("第一书记", String(30))  # staff, not a household's member
    members: Mapped[int | None] = col("工作队员人数", Integer)
    started_on: Mapped[date] = col("派驻日期", Date)
    term_months: Mapped[int | None] = col("任期(月)", Integer)
    reported_on: Mapped[date | None] = col("填报日期", Date)
