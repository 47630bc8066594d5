"""Relocation follow-up (易地搬迁后续扶持): what each 集中安置点's county reports for a quarter about the site
itself. Its relocated households and their labour are the roster's (households.relocation_site_code,
persons.relocated); the site register is tasks.model.reference.RelocationSite."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped

from tasks.model.base import Base, col


class RelocationReport(Base):
    __tablename__ = "relocation_reports"
    __table_args__ = (
        Index("ix_relocation_reports_period", "year", "quarter", "province_code"),
        {"comment": "易地搬迁集中安置点后续扶持季度情况 (县报送)"},
    )

    # One report per site and quarter; a county sending the quarter again replaces it (its own correction).
    report_no: Mapped[str] = col("报表编号", String(32), primary_key=True)
    site_code: Mapped[str] = col("安置点编号", String(20))
    year: Mapped[int] = col("年度", Integer)
    quarter: Mapped[int] = col("季度", Integer)
    province_code: Mapped[str | None] = col("省代码", String(2))
    county_code: Mapped[str | None] = col("县代码", String(6))
    school: Mapped[bool | None] = col("配套学校", Boolean)
    clinic: Mapped[bool | None] = col("配套卫生服务机构", Boolean)
    workshop: Mapped[bool | None] = col("就业帮扶车间", Boolean)
    community_service: Mapped[bool | None] = col("社区综合服务设施", Boolean)
    funds_received: Mapped[float | None] = col("后续扶持专项资金到位(万元)", Float)
    reported_on: Mapped[date | None] = col("填报日期", Date)
