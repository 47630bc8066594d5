import json
import re

import sqlalchemy as sa
from typer.testing import CliRunner

from deployments.cli import app

runner = CliRunner()


def test_help_lists_the_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("db", "seed", "demo", "settings"):
        assert command in result.output


def test_upgrade_then_seed_fills_the_configured_database(tmp_path):
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    result = runner.invoke(app, ["seed", "--households", "2000", "--defect-rate", "0.02"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output.splitlines()[0])
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'campaigns.db'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM households")).scalar() == 2000
        assert conn.execute(sa.text("SELECT COUNT(*) FROM persons")).scalar() == rows["persons"]
    assert "defects injected" in result.output
    current = runner.invoke(app, ["db", "current"]).output
    assert current.startswith("current: ") and current.split()[1] == current.split()[3]  # at head


def test_seed_on_a_new_database_creates_its_tables_first(tmp_path):
    result = runner.invoke(app, ["seed", "--households", "200", "--provinces", "52"])
    assert result.exit_code == 0, result.output
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'campaigns.db'}")
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM households")).scalar() == 200


def test_unknown_province_is_a_clear_error_not_a_traceback():
    runner.invoke(app, ["db", "upgrade"])
    result = runner.invoke(app, ["seed", "--provinces", "52,77"])
    assert result.exit_code == 2
    assert "unknown province code(s): 77" in result.output
    assert "Traceback" not in result.output


def test_settings_hide_passwords(monkeypatch):
    monkeypatch.setenv("CAMPAIGNS_DATABASE_URL", "postgresql+psycopg://u:s3cret@db/x")
    from tasks.settings import get_settings

    get_settings.cache_clear()
    result = runner.invoke(app, ["settings"])
    assert result.exit_code == 0 and "s3cret" not in result.output and "***" in result.output


def test_a_dry_run_on_a_new_database_writes_nothing_and_says_what_to_do(tmp_path):
    result = runner.invoke(app, ["run", "release", "--period", "2023Q2", "--dry-run"])
    assert result.exit_code == 2 and "campaigns db upgrade" in result.output
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'campaigns.db'}")
    assert sa.inspect(engine).get_table_names() == []  # no tables created by a run that writes nothing


def test_a_coordinator_maps_a_countys_own_column_name_once_and_later_files_use_it(tmp_path):
    """Issue 19, county files: a county system exports 县区编号 for 县代码. `--map 县区编号=县代码 --save --scope
    52` loads the file and keeps the mapping for 贵州; a later file of a 贵州 county loads without it, one of
    another province is still refused; the saving is in the audit trail."""
    from support.ingest_files import write_csv

    header = ["户编号", "县区编号", "家庭人口数"]
    first = write_csv(tmp_path / "a.csv", header, [["52010290000001", "520102", "3"]])
    refused = runner.invoke(app, ["ingest", str(first)])
    assert refused.exit_code == 1 and "县代码 (county_code)" in refused.output

    bad = runner.invoke(app, ["ingest", str(first), "--map", "县区编号=县区"])
    assert bad.exit_code == 2 and "not a column of the data contract" in bad.output
    saved = runner.invoke(app, ["ingest", str(first), "--map", "县区编号=县代码", "--save", "--scope", "52"])
    assert saved.exit_code == 0 and "saved 1 column name(s) for 52" in saved.output
    assert "读取 1 行，入库 1 行" in saved.output

    later = write_csv(tmp_path / "b.csv", header, [["52010290000002", "520102", "2"]])
    assert "入库 1 行" in runner.invoke(app, ["ingest", str(later), "--county", "520102"]).output
    elsewhere = write_csv(tmp_path / "c.csv", header, [["53010290000003", "530102", "2"]])
    assert runner.invoke(app, ["ingest", str(elsewhere), "--county", "530102"]).exit_code == 1
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'campaigns.db'}")
    with engine.connect() as conn:
        event = conn.execute(sa.text("SELECT subject, parameters FROM audit_events WHERE action = "
                                     "'ingest.mapping_saved'")).one()
    assert event.subject == "52" and json.loads(event.parameters) == {"mappings": {"县区编号": "县代码"}}


def test_approvers_are_added_with_a_code_only_its_hash_kept(tmp_path, monkeypatch):
    from tasks.release.approvers import load_approvers, verified
    from tasks.settings import get_settings

    path = tmp_path / "approvers.toml"
    monkeypatch.setenv("CAMPAIGNS_RELEASE_APPROVERS_FILE", str(path))
    get_settings.cache_clear()
    assert "名单为空" in runner.invoke(app, ["approvers", "list"]).output
    added = runner.invoke(app, ["approvers", "add", "王审核", "--unit", "新闻办"], input="wang-code-1\nwang-code-1\n")
    assert added.exit_code == 0, added.output
    short = runner.invoke(app, ["approvers", "add", "李审核", "--unit", "统计处"], input="123\n123\n")
    assert short.exit_code == 2 and "审核码至少 8 位" in short.output
    mistyped = runner.invoke(app, ["approvers", "add", "李审核", "--unit", "统计处"], input="li-code-12\nli-code-21\n")
    assert mistyped.exit_code == 2 and "两次输入的审核码不一致" in mistyped.output
    assert not re.search(r"\b(Error|Repeat|confirmation)\b", added.output + short.output + mistyped.output)
    text = path.read_text("utf-8")
    assert "wang-code-1" not in text and 'name = "王审核"' in text and "scrypt$" in text
    approvers = load_approvers(path)
    assert verified(approvers, "王审核", "wang-code-1") == approvers["王审核"]
    assert verified(approvers, "王审核", "wang-code-2") is None and verified(approvers, "李审核", "123") is None
    assert runner.invoke(app, ["approvers", "list"]).output.strip() == "王审核\t新闻办"


def test_the_cli_auto_approval_is_recorded_with_who_ran_it(tmp_path, prefect_harness):
    import getpass

    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert runner.invoke(app, ["seed", "--households", "400"]).exit_code == 0
    result = runner.invoke(app, ["run", "release", "--period", "2023Q2", "--auto-approve"])
    assert result.exit_code == 0 and "published v1" in result.output, result.output
    manifest = json.loads((tmp_path / "outputs" / "releases" / "2023Q2" / "v1" / "manifest.json").read_text("utf-8"))
    assert manifest["approval"]["automatic"] is True
    assert manifest["approval"]["identity"].startswith(f"campaigns run release --auto-approve ({getpass.getuser()}@")
