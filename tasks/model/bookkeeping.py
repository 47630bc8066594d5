"""Campaign bookkeeping: runs, data-quality results, quarantined rows, the notification outbox, releases."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped
from sqlalchemy.sql import false

from tasks.model.base import Base, JSONType, col


class CampaignRun(Base):
    __tablename__ = "campaign_runs"
    __table_args__ = (
        Index("ix_campaign_runs_kind_period", "kind", "period"),
        {"comment": "活动运行记录"},
    )

    id: Mapped[str] = col("运行编号", String(36), primary_key=True)
    kind: Mapped[str] = col("活动类型", String(20))  # screening / assessment / release / ingest / seed
    period: Mapped[str] = col("期间", String(20))  # 2023, 2023Q2 …
    mode: Mapped[str | None] = col("模式", String(20))
    parameters: Mapped[dict[str, Any]] = col("参数", JSONType, default=dict)
    launched_by: Mapped[str | None] = col("发起人或调度", String(100))
    status: Mapped[str] = col("状态", String(20), default="running")
    started_at: Mapped[datetime] = col("开始时间", DateTime)
    finished_at: Mapped[datetime | None] = col("结束时间", DateTime)
    flow_run_id: Mapped[str | None] = col("Prefect 流程运行编号", String(36))
    error: Mapped[str | None] = col("错误", Text)
    holder: Mapped[str | None] = col("运行进程(主机:进程号)", String(120))  # while running: host:pid
    # The last roster batch the run read (tasks.model.history): what it saw, to see it again.
    watermark: Mapped[int | None] = col("名单水位(登记批次)", Integer)
    # Roster rows it checked again because their rules changed since they were checked (tasks.runs.inputs).
    rows_rechecked: Mapped[int | None] = col("按新规则复查行数", Integer)


class QualityResult(Base):
    __tablename__ = "quality_results"
    __table_args__ = (
        Index("ix_quality_results_run_stage", "campaign_run_id", "stage"),
        {"comment": "数据质量检查结果"},
    )

    id: Mapped[int] = col("编号", Integer, primary_key=True, autoincrement=True)
    campaign_run_id: Mapped[str] = col("运行编号", ForeignKey("campaign_runs.id", ondelete="CASCADE"))
    stage: Mapped[str] = col("阶段", String(60))
    # A stage run once per partition of provinces shares its name across partitions: the scope (the
    # partition's provinces) keeps one partition's results from replacing another's on a rerun.
    scope: Mapped[str | None] = col("范围(省或分区)", String(60))
    suite: Mapped[str] = col("检查套件", String(60))
    expectation: Mapped[str] = col("检查项", String(120))
    column_name: Mapped[str | None] = col("字段", String(60))
    severity: Mapped[str] = col("严重程度", String(10))  # critical / warning
    success: Mapped[bool] = col("是否通过", default=False)
    observed_value: Mapped[Any] = col("观测值", JSONType, nullable=True)
    threshold: Mapped[Any] = col("阈值", JSONType, nullable=True)
    element_count: Mapped[int | None] = col("检查行数", Integer)
    unexpected_count: Mapped[int | None] = col("不符合行数", Integer)
    notes: Mapped[str | None] = col("规则说明", Text)
    checked_at: Mapped[datetime] = col("检查时间", DateTime)


class QuarantinedRow(Base):
    __tablename__ = "quarantined_rows"
    __table_args__ = (
        Index("ix_quarantined_rows_run_stage", "campaign_run_id", "stage"),
        {"comment": "隔离数据行"},
    )

    id: Mapped[int] = col("编号", Integer, primary_key=True, autoincrement=True)
    campaign_run_id: Mapped[str | None] = col("运行编号", ForeignKey("campaign_runs.id", ondelete="CASCADE"))
    stage: Mapped[str] = col("阶段", String(60))
    scope: Mapped[str | None] = col("范围(省或分区)", String(60))
    province_code: Mapped[str | None] = col("省代码", String(2))
    source: Mapped[str] = col("来源(表或文件)", String(300))
    county_code: Mapped[str | None] = col("县代码", String(6))
    suite: Mapped[str | None] = col("检查套件", String(60))
    row_key: Mapped[str | None] = col("行主键", String(60))
    row_number: Mapped[int | None] = col("文件行号", Integer)
    # The county's file a roster row set aside by a campaign came from (`source` is then the table).
    source_file: Mapped[str | None] = col("来源文件", String(300))
    row_data: Mapped[dict[str, Any]] = col("行内容", JSONType)
    reasons: Mapped[list[str]] = col("原因", JSONType)
    quarantined_at: Mapped[datetime] = col("隔离时间", DateTime)
    # Set aside for reasons recorded before this run (where the row arrived, or at an earlier run's recheck):
    # its cells and its list are where it was found; the run counts it and does not list it again.
    found_before: Mapped[bool] = col("此前已查出 (不再列出)", Boolean, default=False, server_default=false())


class OutboxMessage(Base):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status", "status"),
        Index("ix_outbox_digest_slot", "digest_slot"),
        {"comment": "通知发件箱"},
    )

    id: Mapped[int] = col("编号", Integer, primary_key=True, autoincrement=True)
    dedupe_key: Mapped[str] = col("去重键", String(200), unique=True)
    campaign_run_id: Mapped[str | None] = col("运行编号", String(36))
    channel: Mapped[str] = col("频道", String(80))  # a Slack channel, or a target named in channels.toml
    thread_key: Mapped[str | None] = col("线程键", String(80))
    text: Mapped[str] = col("摘要文本", Text)
    blocks: Mapped[Any] = col("Block Kit 内容", JSONType, nullable=True)
    body: Mapped[Any] = col("消息内容", JSONType, nullable=True)  # rendered per platform when sent
    severity: Mapped[str | None] = col("级别", String(10))  # info / warning / critical
    campaign: Mapped[str | None] = col("活动", String(30))
    digest_slot: Mapped[str | None] = col("汇总时段", String(40))  # held for the digest sent at this time
    digest_id: Mapped[int | None] = col("并入的汇总消息编号", Integer)
    # pending / sending / sent; held (waits for its digest) / digested (sent as part of digest_id)
    status: Mapped[str] = col("状态", String(10), default="pending")
    attempts: Mapped[int] = col("尝试次数", Integer, default=0)
    last_error: Mapped[str | None] = col("最近错误", Text)
    slack_ts: Mapped[str | None] = col("平台消息编号", String(200))  # Slack's ts, an e-mail's Message-ID …
    created_at: Mapped[datetime] = col("创建时间", DateTime)
    claimed_at: Mapped[datetime | None] = col("发送占用时间", DateTime)
    sent_at: Mapped[datetime | None] = col("发送时间", DateTime)


class Release(Base):
    __tablename__ = "releases"
    __table_args__ = (
        UniqueConstraint("period", "version", name="uq_releases_period_version"),
        {"comment": "数据发布记录"},
    )

    id: Mapped[int] = col("编号", Integer, primary_key=True, autoincrement=True)
    period: Mapped[str] = col("期间", String(8))  # 2023Q2
    release_type: Mapped[str] = col("发布类型", String(10))  # 一季度 / 上半年 / 前三季度 / 全年
    version: Mapped[int | None] = col("版本", Integer)  # set when published
    status: Mapped[str] = col("状态", String(12))  # draft / published / rejected / expired
    campaign_run_id: Mapped[str | None] = col("运行编号", String(36))
    figures: Mapped[Any] = col("发布数据", JSONType)
    reviewer: Mapped[str | None] = col("审核人", String(60))
    comment: Mapped[str | None] = col("审核意见", Text)
    revision_note: Mapped[str | None] = col("修订说明", Text)
    path: Mapped[str | None] = col("发布目录", String(300))
    manifest: Mapped[Any] = col("文件清单(SHA-256)", JSONType, nullable=True)
    created_at: Mapped[datetime] = col("创建时间", DateTime)
    decided_at: Mapped[datetime | None] = col("审核时间", DateTime)
    published_at: Mapped[datetime | None] = col("发布时间", DateTime)
    watermark: Mapped[int | None] = col("名单水位(登记批次)", Integer)  # the roster batches its figures read
    # "<province_code>:<figure>" of the cells not published (small and complementary); None: recorded before
    # releases kept them.
    withheld: Mapped[Any] = col("不予公布的单元格", JSONType, nullable=True)


class ScreeningFinding(Base):
    __tablename__ = "screening_findings"
    __table_args__ = (
        Index("ix_screening_findings_scope", "year", "mode", "as_of", "province_code"),
        {"comment": "集中排查结果 (按年度、模式、截止日期、省)"},
    )

    id: Mapped[int] = col("编号", Integer, primary_key=True, autoincrement=True)
    campaign_run_id: Mapped[str] = col("运行编号", String(36))
    year: Mapped[int] = col("年度", Integer)
    mode: Mapped[str] = col("模式", String(12))  # launch / progress / close_out
    as_of: Mapped[date] = col("截止日期", Date)
    province_code: Mapped[str] = col("省代码", String(2))
    part: Mapped[str] = col("分片 (省内户编号范围, 整省为空)", String(16), default="", server_default="")
    list_name: Mapped[str] = col("清单", String(40))  # new_candidates, elimination_candidates, …
    household_no: Mapped[str | None] = col("户编号", String(32))
    lead_no: Mapped[str | None] = col("线索编号", String(32))
    category: Mapped[str | None] = col("类别", String(40))  # candidate type, gap, match …
    details: Mapped[Any] = col("明细", JSONType, nullable=True)


class IngestedFile(Base):
    __tablename__ = "ingested_files"
    __table_args__ = {"comment": "已接收的县级报送文件 (按内容 SHA-256)"}

    sha256: Mapped[str] = col("文件 SHA-256", String(64), primary_key=True)
    file_name: Mapped[str] = col("文件名", String(300))
    kind: Mapped[str | None] = col("数据类别", String(20))  # households / persons / measures / leads
    status: Mapped[str] = col("状态", String(12))  # loaded / rejected
    county_code: Mapped[str | None] = col("县代码", String(6))
    rows_read: Mapped[int] = col("读取行数", Integer, default=0)
    rows_loaded: Mapped[int] = col("入库行数", Integer, default=0)
    rows_quarantined: Mapped[int] = col("隔离行数", Integer, default=0)
    reasons: Mapped[Any] = col("隔离原因及行数", JSONType, nullable=True)
    problem: Mapped[str | None] = col("拒收原因", Text)
    campaign_run_id: Mapped[str | None] = col("运行编号", String(36))
    launched_by: Mapped[str | None] = col("发起人或调度", String(100))
    received_at: Mapped[datetime] = col("首次接收时间", DateTime)
    ingested_at: Mapped[datetime] = col("处理时间", DateTime)


class AuditEvent(Base):
    """Append-only: the database refuses UPDATE and DELETE on this table (migration 0006)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_at", "at"),
        {"comment": "审计记录 (只增不改)"},
    )

    id: Mapped[int] = col("编号", Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = col("时间", DateTime)
    actor: Mapped[str] = col("操作人或调度", String(100))
    action: Mapped[str] = col("操作", String(40))  # run.started, ingest.loaded, release.published …
    subject: Mapped[str | None] = col("对象", String(200))
    campaign_run_id: Mapped[str | None] = col("运行编号", String(36))
    parameters: Mapped[Any] = col("参数", JSONType, nullable=True)
    detail: Mapped[str | None] = col("说明", Text)


class ColumnMapping(Base):
    __tablename__ = "column_mappings"
    __table_args__ = (UniqueConstraint("scope", "header"), {"comment": "报送文件列名对应 (按省或县保存)"})

    id: Mapped[int] = col("编号", Integer, primary_key=True, autoincrement=True)
    scope: Mapped[str] = col("适用范围(省或县代码, 空为全部)", String(6), default="")
    header: Mapped[str] = col("原列名(规范化)", String(100))
    column: Mapped[str] = col("标准列名", String(40))
    saved_by: Mapped[str | None] = col("保存人", String(100))
    saved_at: Mapped[datetime] = col("保存时间", DateTime)


class CountyIndicator(Base):
    __tablename__ = "county_indicators"
    __table_args__ = (
        UniqueConstraint("source", "as_of", "county_code", "indicator", name="uq_county_indicators_period"),
        Index("ix_county_indicators_county", "county_code", "indicator"),
        {"comment": "县级指标 (各期，供异常值比较)"},
    )

    id: Mapped[int] = col("编号", Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = col("来源", String(20))  # the campaign whose input stage computed it: screening
    as_of: Mapped[date] = col("截止日期", Date)
    province_code: Mapped[str] = col("省代码", String(2))
    county_code: Mapped[str] = col("县代码", String(6))
    indicator: Mapped[str] = col("指标", String(40))  # tasks.quality.county_indicators.INDICATORS
    value: Mapped[float | None] = col("数值", Float, nullable=True)
    outlier: Mapped[str | None] = col("异常值提示", Text, nullable=True)  # why it is flagged, in Chinese; None: not
    campaign_run_id: Mapped[str | None] = col("运行编号", String(80), nullable=True)
    recorded_at: Mapped[datetime] = col("记录时间", DateTime)


class SetAsideWorkbook(Base):
    __tablename__ = "set_aside_workbooks"
    __table_args__ = {"comment": "活动写出的隔离行工作簿 (按县、省)"}

    # One per campaign and county (6 digits) or province (2): the last one written, which a run whose rows
    # of that county are the same leaves as it is (tasks.outputs.set_aside).
    campaign: Mapped[str] = col("活动类型", String(20), primary_key=True)
    code: Mapped[str] = col("县或省代码", String(6), primary_key=True)
    digest: Mapped[str] = col("内容摘要 (SHA-256)", String(64))
    path: Mapped[str] = col("文件路径", String(500))
    campaign_run_id: Mapped[str | None] = col("运行编号", String(36))
    written_at: Mapped[datetime] = col("写出时间", DateTime)
