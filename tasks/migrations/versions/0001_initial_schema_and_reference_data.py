"""initial schema and reference data

Revision ID: 0001
Revises:
Create Date: 2026-11-28 17:49:47.853705
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from tasks.reference.provinces import load_provinces

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('campaign_runs',
    sa.Column('id', sa.String(length=36), nullable=False, comment='运行编号'),
    sa.Column('kind', sa.String(length=20), nullable=False, comment='活动类型'),
    sa.Column('period', sa.String(length=20), nullable=False, comment='期间'),
    sa.Column('mode', sa.String(length=20), nullable=True, comment='模式'),
    sa.Column('parameters', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, comment='参数'),
    sa.Column('launched_by', sa.String(length=100), nullable=True, comment='发起人或调度'),
    sa.Column('status', sa.String(length=20), nullable=False, comment='状态'),
    sa.Column('started_at', sa.DateTime(), nullable=False, comment='开始时间'),
    sa.Column('finished_at', sa.DateTime(), nullable=True, comment='结束时间'),
    sa.Column('flow_run_id', sa.String(length=36), nullable=True, comment='Prefect 流程运行编号'),
    sa.Column('error', sa.Text(), nullable=True, comment='错误'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign_runs')),
    comment='活动运行记录'
    )
    with op.batch_alter_table('campaign_runs', schema=None) as batch_op:
        batch_op.create_index('ix_campaign_runs_kind_period', ['kind', 'period'], unique=False)

    op.create_table('employment',
    sa.Column('province_code', sa.String(length=2), nullable=False, comment='省代码'),
    sa.Column('year', sa.Integer(), nullable=False, comment='年度'),
    sa.Column('quarter', sa.Integer(), nullable=False, comment='季度'),
    sa.Column('employed', sa.Integer(), nullable=False, comment='脱贫人口务工就业人数'),
    sa.Column('employed_relocated', sa.Integer(), nullable=False, comment='其中易地搬迁脱贫人口'),
    sa.Column('employed_key_counties', sa.Integer(), nullable=False, comment='其中重点帮扶县脱贫人口'),
    sa.PrimaryKeyConstraint('province_code', 'year', 'quarter', name=op.f('pk_employment')),
    comment='脱贫人口务工就业 (按省、季度末)'
    )
    op.create_table('households',
    sa.Column('household_no', sa.String(length=32), nullable=False, comment='户编号'),
    sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
    sa.Column('county_code', sa.String(length=6), nullable=True, comment='县代码'),
    sa.Column('phone', sa.String(length=20), nullable=True, comment='联系电话'),
    sa.Column('household_size', sa.Integer(), nullable=True, comment='家庭人口数'),
    sa.Column('is_poverty_alleviated', sa.Boolean(), nullable=True, comment='是否脱贫户'),
    sa.Column('monitoring_type', sa.String(length=16), nullable=True, comment='监测对象类别'),
    sa.Column('identified_on', sa.Date(), nullable=True, comment='识别监测时间'),
    sa.Column('risk_code_1', sa.String(length=4), nullable=True, comment='致贫返贫风险1'),
    sa.Column('risk_code_2', sa.String(length=4), nullable=True, comment='致贫返贫风险2'),
    sa.Column('risk_code_3', sa.String(length=4), nullable=True, comment='致贫返贫风险3'),
    sa.Column('risk_code_4', sa.String(length=4), nullable=True, comment='致贫返贫风险4'),
    sa.Column('risk_code_5', sa.String(length=4), nullable=True, comment='致贫返贫风险5'),
    sa.Column('risk_status', sa.String(length=16), nullable=True, comment='风险是否消除'),
    sa.Column('elimination_way', sa.String(length=16), nullable=True, comment='风险消除方式'),
    sa.Column('eliminated_on', sa.Date(), nullable=True, comment='风险消除时间'),
    sa.Column('income_year', sa.Integer(), nullable=True, comment='收入年度'),
    sa.Column('wage_income', sa.Float(), nullable=True, comment='工资性收入'),
    sa.Column('business_income', sa.Float(), nullable=True, comment='生产经营性收入'),
    sa.Column('property_income', sa.Float(), nullable=True, comment='财产性收入'),
    sa.Column('transfer_income', sa.Float(), nullable=True, comment='转移性收入'),
    sa.Column('business_expenses', sa.Float(), nullable=True, comment='生产经营性支出'),
    sa.Column('net_income', sa.Float(), nullable=True, comment='家庭纯收入'),
    sa.Column('per_capita_net_income', sa.Float(), nullable=True, comment='家庭人均纯收入'),
    sa.Column('prev_wage_income', sa.Float(), nullable=True, comment='上年工资性收入'),
    sa.Column('prev_business_income', sa.Float(), nullable=True, comment='上年生产经营性收入'),
    sa.Column('prev_property_income', sa.Float(), nullable=True, comment='上年财产性收入'),
    sa.Column('prev_transfer_income', sa.Float(), nullable=True, comment='上年转移性收入'),
    sa.Column('prev_business_expenses', sa.Float(), nullable=True, comment='上年生产经营性支出'),
    sa.Column('prev_net_income', sa.Float(), nullable=True, comment='上年家庭纯收入'),
    sa.Column('prev_per_capita_net_income', sa.Float(), nullable=True, comment='上年家庭人均纯收入'),
    sa.Column('compliant_oop_expenditure', sa.Float(), nullable=True, comment='合规自付支出'),
    sa.Column('housing_secure', sa.Boolean(), nullable=True, comment='住房安全有保障'),
    sa.Column('education_secure', sa.Boolean(), nullable=True, comment='义务教育有保障'),
    sa.Column('medical_secure', sa.Boolean(), nullable=True, comment='基本医疗有保障'),
    sa.Column('drinking_water_secure', sa.Boolean(), nullable=True, comment='饮水安全有保障'),
    sa.Column('in_relocation_area', sa.Boolean(), nullable=True, comment='居住在易地扶贫搬迁集中安置区'),
    sa.Column('relocation_site_code', sa.String(length=20), nullable=True, comment='安置区'),
    sa.PrimaryKeyConstraint('household_no', name=op.f('pk_households')),
    comment='农户 (脱贫户与监测户)'
    )
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.create_index('ix_households_province_county', ['province_code', 'county_code'], unique=False)

    op.create_table('leads',
    sa.Column('lead_no', sa.String(length=32), nullable=False, comment='线索编号'),
    sa.Column('channel', sa.String(length=32), nullable=True, comment='线索来源渠道'),
    sa.Column('department', sa.String(length=40), nullable=True, comment='推送部门'),
    sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
    sa.Column('county_code', sa.String(length=6), nullable=True, comment='县代码'),
    sa.Column('id_number', sa.String(length=20), nullable=True, comment='证件号码'),
    sa.Column('name', sa.String(length=40), nullable=True, comment='姓名'),
    sa.Column('phone', sa.String(length=20), nullable=True, comment='联系电话'),
    sa.Column('household_no', sa.String(length=32), nullable=True, comment='户编号'),
    sa.Column('risk_code', sa.String(length=4), nullable=True, comment='风险类型'),
    sa.Column('reported_at', sa.DateTime(), nullable=True, comment='反映时间'),
    sa.Column('accepted_at', sa.DateTime(), nullable=True, comment='受理时间'),
    sa.Column('verified_at', sa.DateTime(), nullable=True, comment='核实时间'),
    sa.Column('status', sa.String(length=16), nullable=True, comment='线索状态'),
    sa.Column('outcome', sa.String(length=16), nullable=True, comment='核实结果'),
    sa.PrimaryKeyConstraint('lead_no', name=op.f('pk_leads')),
    comment='问题线索'
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_id_number', ['id_number'], unique=False)
        batch_op.create_index('ix_leads_province_reported', ['province_code', 'reported_at'], unique=False)

    op.create_table('linkage_funds',
    sa.Column('county_code', sa.String(length=6), nullable=False, comment='县代码'),
    sa.Column('year', sa.Integer(), nullable=False, comment='年度'),
    sa.Column('quarter', sa.Integer(), nullable=False, comment='下达季度'),
    sa.Column('use', sa.String(length=20), nullable=False, comment='资金用途'),
    sa.Column('province_code', sa.String(length=2), nullable=False, comment='省代码'),
    sa.Column('amount', sa.Float(), nullable=False, comment='金额(万元)'),
    sa.PrimaryKeyConstraint('county_code', 'year', 'quarter', 'use', name=op.f('pk_linkage_funds')),
    comment='中央财政衔接推进乡村振兴补助资金 (按县、年度、季度、用途)'
    )
    with op.batch_alter_table('linkage_funds', schema=None) as batch_op:
        batch_op.create_index('ix_linkage_funds_province_year', ['province_code', 'year'], unique=False)

    op.create_table('measures',
    sa.Column('measure_no', sa.String(length=40), nullable=False, comment='措施编号'),
    sa.Column('household_no', sa.String(length=32), nullable=True, comment='户编号'),
    sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
    sa.Column('category', sa.String(length=32), nullable=True, comment='帮扶措施类别'),
    sa.Column('kind', sa.String(length=16), nullable=True, comment='措施类型(开发式/兜底)'),
    sa.Column('start_on', sa.Date(), nullable=True, comment='开始时间'),
    sa.Column('end_on', sa.Date(), nullable=True, comment='结束时间'),
    sa.PrimaryKeyConstraint('measure_no', name=op.f('pk_measures')),
    comment='帮扶措施'
    )
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.create_index('ix_measures_household', ['household_no'], unique=False)
        batch_op.create_index('ix_measures_province', ['province_code'], unique=False)

    op.create_table('microcredit_loans',
    sa.Column('loan_no', sa.String(length=40), nullable=False, comment='贷款编号'),
    sa.Column('household_no', sa.String(length=32), nullable=True, comment='户编号'),
    sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
    sa.Column('county_code', sa.String(length=6), nullable=True, comment='县代码'),
    sa.Column('issued_on', sa.Date(), nullable=True, comment='发放日期'),
    sa.Column('amount', sa.Float(), nullable=True, comment='贷款金额(元)'),
    sa.Column('term_months', sa.Integer(), nullable=True, comment='贷款期限(月)'),
    sa.PrimaryKeyConstraint('loan_no', name=op.f('pk_microcredit_loans')),
    comment='脱贫人口小额信贷'
    )
    with op.batch_alter_table('microcredit_loans', schema=None) as batch_op:
        batch_op.create_index('ix_microcredit_province_issued', ['province_code', 'issued_on'], unique=False)

    op.create_table('outbox',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False, comment='编号'),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False, comment='去重键'),
    sa.Column('campaign_run_id', sa.String(length=36), nullable=True, comment='运行编号'),
    sa.Column('channel', sa.String(length=80), nullable=False, comment='频道'),
    sa.Column('thread_key', sa.String(length=80), nullable=True, comment='线程键'),
    sa.Column('text', sa.Text(), nullable=False, comment='摘要文本'),
    sa.Column('blocks', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True, comment='Block Kit 内容'),
    sa.Column('status', sa.String(length=10), nullable=False, comment='状态'),
    sa.Column('attempts', sa.Integer(), nullable=False, comment='尝试次数'),
    sa.Column('last_error', sa.Text(), nullable=True, comment='最近错误'),
    sa.Column('slack_ts', sa.String(length=40), nullable=True, comment='Slack 消息时间戳'),
    sa.Column('created_at', sa.DateTime(), nullable=False, comment='创建时间'),
    sa.Column('sent_at', sa.DateTime(), nullable=True, comment='发送时间'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_dedupe_key')),
    comment='通知发件箱'
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_status', ['status'], unique=False)

    op.create_table('persons',
    sa.Column('person_no', sa.String(length=40), nullable=False, comment='成员编号'),
    sa.Column('household_no', sa.String(length=32), nullable=True, comment='户编号'),
    sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
    sa.Column('id_type', sa.String(length=16), nullable=True, comment='证件类型'),
    sa.Column('id_number', sa.String(length=20), nullable=True, comment='证件号码'),
    sa.Column('name', sa.String(length=40), nullable=True, comment='姓名'),
    sa.Column('sex', sa.String(length=1), nullable=True, comment='性别'),
    sa.Column('birth_date', sa.Date(), nullable=True, comment='出生日期'),
    sa.Column('relation', sa.String(length=16), nullable=True, comment='与户主关系'),
    sa.Column('ethnicity', sa.String(length=2), nullable=True, comment='民族'),
    sa.Column('schooling', sa.String(length=16), nullable=True, comment='文化程度'),
    sa.Column('in_school', sa.Boolean(), nullable=True, comment='在校生情况'),
    sa.Column('health', sa.String(length=16), nullable=True, comment='健康状况'),
    sa.Column('labour_skill', sa.String(length=16), nullable=True, comment='劳动技能'),
    sa.Column('work_location', sa.String(length=16), nullable=True, comment='务工地点'),
    sa.Column('months_employed', sa.Integer(), nullable=True, comment='务工时长(月)'),
    sa.Column('public_welfare_job', sa.Boolean(), nullable=True, comment='公益岗位'),
    sa.Column('dibao', sa.Boolean(), nullable=True, comment='低保'),
    sa.Column('tekun', sa.Boolean(), nullable=True, comment='特困'),
    sa.Column('relocated', sa.Boolean(), nullable=True, comment='易地搬迁人口'),
    sa.PrimaryKeyConstraint('person_no', name=op.f('pk_persons')),
    comment='家庭成员'
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index('ix_persons_household', ['household_no'], unique=False)
        batch_op.create_index('ix_persons_id_number', ['id_number'], unique=False)
        batch_op.create_index('ix_persons_province', ['province_code'], unique=False)

    op.create_table('provinces',
    sa.Column('code', sa.String(length=2), nullable=False, comment='行政区划代码'),
    sa.Column('name', sa.String(length=20), nullable=False, comment='名称'),
    sa.Column('short_name', sa.String(length=10), nullable=False, comment='简称'),
    sa.Column('region', sa.String(length=10), nullable=False, comment='东中西部'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_provinces')),
    comment='省级行政区划 (GB/T 2260)'
    )
    op.create_table('releases',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False, comment='编号'),
    sa.Column('period', sa.String(length=8), nullable=False, comment='期间'),
    sa.Column('release_type', sa.String(length=10), nullable=False, comment='发布类型'),
    sa.Column('version', sa.Integer(), nullable=True, comment='版本'),
    sa.Column('status', sa.String(length=12), nullable=False, comment='状态'),
    sa.Column('campaign_run_id', sa.String(length=36), nullable=True, comment='运行编号'),
    sa.Column('figures', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, comment='发布数据'),
    sa.Column('reviewer', sa.String(length=60), nullable=True, comment='审核人'),
    sa.Column('comment', sa.Text(), nullable=True, comment='审核意见'),
    sa.Column('revision_note', sa.Text(), nullable=True, comment='修订说明'),
    sa.Column('path', sa.String(length=300), nullable=True, comment='发布目录'),
    sa.Column('manifest', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True, comment='文件清单(SHA-256)'),
    sa.Column('created_at', sa.DateTime(), nullable=False, comment='创建时间'),
    sa.Column('decided_at', sa.DateTime(), nullable=True, comment='审核时间'),
    sa.Column('published_at', sa.DateTime(), nullable=True, comment='发布时间'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_releases')),
    sa.UniqueConstraint('period', 'version', name='uq_releases_period_version'),
    comment='数据发布记录'
    )
    op.create_table('relocation_sites',
    sa.Column('site_code', sa.String(length=20), nullable=False, comment='安置点编号'),
    sa.Column('name', sa.String(length=60), nullable=False, comment='安置点名称'),
    sa.Column('province_code', sa.String(length=2), nullable=False, comment='省代码'),
    sa.Column('county_code', sa.String(length=6), nullable=False, comment='县代码'),
    sa.Column('households', sa.Integer(), nullable=False, comment='安置户数'),
    sa.Column('persons', sa.Integer(), nullable=False, comment='安置人数'),
    sa.PrimaryKeyConstraint('site_code', name=op.f('pk_relocation_sites')),
    comment='易地扶贫搬迁集中安置点'
    )
    with op.batch_alter_table('relocation_sites', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_relocation_sites_county_code'), ['county_code'], unique=False)
        batch_op.create_index(batch_op.f('ix_relocation_sites_province_code'), ['province_code'], unique=False)

    op.create_table('training_enrolments',
    sa.Column('enrolment_no', sa.String(length=48), nullable=False, comment='培训记录编号'),
    sa.Column('person_no', sa.String(length=40), nullable=True, comment='成员编号'),
    sa.Column('household_no', sa.String(length=32), nullable=True, comment='户编号'),
    sa.Column('province_code', sa.String(length=2), nullable=True, comment='省代码'),
    sa.Column('year', sa.Integer(), nullable=True, comment='年度'),
    sa.Column('programme', sa.String(length=16), nullable=True, comment='培训项目'),
    sa.Column('enrolled_on', sa.Date(), nullable=True, comment='开始日期'),
    sa.Column('completed', sa.Boolean(), nullable=True, comment='是否结业'),
    sa.PrimaryKeyConstraint('enrolment_no', name=op.f('pk_training_enrolments')),
    comment='雨露计划与技能培训'
    )
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.create_index('ix_training_province_year', ['province_code', 'year'], unique=False)

    op.create_table('counties',
    sa.Column('code', sa.String(length=6), nullable=False, comment='县级行政区划代码'),
    sa.Column('name', sa.String(length=40), nullable=False, comment='县名称'),
    sa.Column('province_code', sa.String(length=2), nullable=False, comment='省代码'),
    sa.Column('is_former_poor', sa.Boolean(), nullable=False, comment='是否脱贫县'),
    sa.Column('is_key_assistance', sa.Boolean(), nullable=False, comment='是否国家乡村振兴重点帮扶县'),
    sa.ForeignKeyConstraint(['province_code'], ['provinces.code'], name=op.f('fk_counties_province_code_provinces')),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_counties')),
    comment='县级行政区划'
    )
    with op.batch_alter_table('counties', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_counties_province_code'), ['province_code'], unique=False)

    op.create_table('monitoring_thresholds',
    sa.Column('province_code', sa.String(length=2), nullable=False, comment='省代码'),
    sa.Column('year', sa.Integer(), nullable=False, comment='年度'),
    sa.Column('threshold', sa.Float(), nullable=False, comment='监测范围(元/人/年)'),
    sa.Column('source', sa.String(length=200), nullable=True, comment='依据'),
    sa.ForeignKeyConstraint(['province_code'], ['provinces.code'], name=op.f('fk_monitoring_thresholds_province_code_provinces')),
    sa.PrimaryKeyConstraint('province_code', 'year', name=op.f('pk_monitoring_thresholds')),
    comment='防止返贫监测范围 (各省每年确定)'
    )
    op.create_table('quality_results',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False, comment='编号'),
    sa.Column('campaign_run_id', sa.String(length=36), nullable=False, comment='运行编号'),
    sa.Column('stage', sa.String(length=60), nullable=False, comment='阶段'),
    sa.Column('suite', sa.String(length=60), nullable=False, comment='检查套件'),
    sa.Column('expectation', sa.String(length=120), nullable=False, comment='检查项'),
    sa.Column('column_name', sa.String(length=60), nullable=True, comment='字段'),
    sa.Column('severity', sa.String(length=10), nullable=False, comment='严重程度'),
    sa.Column('success', sa.Boolean(), nullable=False, comment='是否通过'),
    sa.Column('observed_value', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True, comment='观测值'),
    sa.Column('threshold', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=True, comment='阈值'),
    sa.Column('element_count', sa.Integer(), nullable=True, comment='检查行数'),
    sa.Column('unexpected_count', sa.Integer(), nullable=True, comment='不符合行数'),
    sa.Column('notes', sa.Text(), nullable=True, comment='规则说明'),
    sa.Column('checked_at', sa.DateTime(), nullable=False, comment='检查时间'),
    sa.ForeignKeyConstraint(['campaign_run_id'], ['campaign_runs.id'], name=op.f('fk_quality_results_campaign_run_id_campaign_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quality_results')),
    comment='数据质量检查结果'
    )
    with op.batch_alter_table('quality_results', schema=None) as batch_op:
        batch_op.create_index('ix_quality_results_run_stage', ['campaign_run_id', 'stage'], unique=False)

    op.create_table('quarantined_rows',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False, comment='编号'),
    sa.Column('campaign_run_id', sa.String(length=36), nullable=True, comment='运行编号'),
    sa.Column('stage', sa.String(length=60), nullable=False, comment='阶段'),
    sa.Column('source', sa.String(length=300), nullable=False, comment='来源(表或文件)'),
    sa.Column('suite', sa.String(length=60), nullable=True, comment='检查套件'),
    sa.Column('row_key', sa.String(length=60), nullable=True, comment='行主键'),
    sa.Column('row_number', sa.Integer(), nullable=True, comment='文件行号'),
    sa.Column('row_data', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, comment='行内容'),
    sa.Column('reasons', sa.JSON().with_variant(postgresql.JSONB(), 'postgresql'), nullable=False, comment='原因'),
    sa.Column('quarantined_at', sa.DateTime(), nullable=False, comment='隔离时间'),
    sa.ForeignKeyConstraint(['campaign_run_id'], ['campaign_runs.id'], name=op.f('fk_quarantined_rows_campaign_run_id_campaign_runs'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarantined_rows')),
    comment='隔离数据行'
    )
    with op.batch_alter_table('quarantined_rows', schema=None) as batch_op:
        batch_op.create_index('ix_quarantined_rows_run_stage', ['campaign_run_id', 'stage'], unique=False)

    # The 31 provinces are reference data every campaign needs, so they ship with the schema.
    provinces = sa.table("provinces", sa.column("code"), sa.column("name"), sa.column("short_name"),
                         sa.column("region"))
    op.bulk_insert(provinces, [
        {"code": p.code, "name": p.name, "short_name": p.short_name, "region": p.region}
        for p in load_provinces()
    ])



def downgrade() -> None:
    with op.batch_alter_table('quarantined_rows', schema=None) as batch_op:
        batch_op.drop_index('ix_quarantined_rows_run_stage')

    op.drop_table('quarantined_rows')
    with op.batch_alter_table('quality_results', schema=None) as batch_op:
        batch_op.drop_index('ix_quality_results_run_stage')

    op.drop_table('quality_results')
    op.drop_table('monitoring_thresholds')
    with op.batch_alter_table('counties', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_counties_province_code'))

    op.drop_table('counties')
    with op.batch_alter_table('training_enrolments', schema=None) as batch_op:
        batch_op.drop_index('ix_training_province_year')

    op.drop_table('training_enrolments')
    with op.batch_alter_table('relocation_sites', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_relocation_sites_province_code'))
        batch_op.drop_index(batch_op.f('ix_relocation_sites_county_code'))

    op.drop_table('relocation_sites')
    op.drop_table('releases')
    op.drop_table('provinces')
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index('ix_persons_province')
        batch_op.drop_index('ix_persons_id_number')
        batch_op.drop_index('ix_persons_household')

    op.drop_table('persons')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status')

    op.drop_table('outbox')
    with op.batch_alter_table('microcredit_loans', schema=None) as batch_op:
        batch_op.drop_index('ix_microcredit_province_issued')

    op.drop_table('microcredit_loans')
    with op.batch_alter_table('measures', schema=None) as batch_op:
        batch_op.drop_index('ix_measures_province')
        batch_op.drop_index('ix_measures_household')

    op.drop_table('measures')
    with op.batch_alter_table('linkage_funds', schema=None) as batch_op:
        batch_op.drop_index('ix_linkage_funds_province_year')

    op.drop_table('linkage_funds')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_province_reported')
        batch_op.drop_index('ix_leads_id_number')

    op.drop_table('leads')
    with op.batch_alter_table('households', schema=None) as batch_op:
        batch_op.drop_index('ix_households_province_county')

    op.drop_table('households')
    op.drop_table('employment')
    with op.batch_alter_table('campaign_runs', schema=None) as batch_op:
        batch_op.drop_index('ix_campaign_runs_kind_period')

    op.drop_table('campaign_runs')
