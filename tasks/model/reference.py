"""Reference tables: provinces, counties, monitoring thresholds, relocation sites."""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped

from tasks.model.base import Base, col


class Province(Base):
    __tablename__ = "provinces"
    __table_args__ = {"comment": "省级行政区划 (GB/T 2260)"}

    code: Mapped[str] = col("行政区划代码", String(2), primary_key=True)
    name: Mapped[str] = col("名称", String(20))
    short_name: Mapped[str] = col("简称", String(10))
    region: Mapped[str] = col("东中西部", String(10))


class County(Base):
    __tablename__ = "counties"
    __table_args__ = {"comment": "县级行政区划"}

    code: Mapped[str] = col("县级行政区划代码", String(6), primary_key=True)
    name: Mapped[str] = col("县名称", String(40))
    province_code: Mapped[str] = col("省代码", ForeignKey("provinces.code"), index=True)
    is_former_poor: Mapped[bool] = col("是否脱贫县", Boolean, default=False)
    is_key_assistance: Mapped[bool] = col("是否国家乡村振兴重点帮扶县", Boolean, default=False)


class MonitoringThreshold(Base):
    __tablename__ = "monitoring_thresholds"
    __table_args__ = {"comment": "防止返贫监测范围 (各省每年确定)"}

    province_code: Mapped[str] = col("省代码", ForeignKey("provinces.code"), primary_key=True)
    year: Mapped[int] = col("年度", Integer, primary_key=True)
    threshold: Mapped[float] = col("监测范围(元/人/年)", Float)
    source: Mapped[str | None] = col("依据", String(200))


class RelocationSite(Base):
    __tablename__ = "relocation_sites"
    __table_args__ = {"comment": "易地扶贫搬迁集中安置点"}

    site_code: Mapped[str] = col("安置点编号", String(20), primary_key=True)
    name: Mapped[str] = col("安置点名称", String(60))
    province_code: Mapped[str] = col("省代码", String(2), index=True)
    county_code: Mapped[str] = col("县代码", String(6), index=True)
    households: Mapped[int] = col("安置户数", Integer)
    persons: Mapped[int] = col("安置人数", Integer)
