"""Shared fixtures: isolated settings, and a migrated database on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine
from support import pgserver
from support.fake_slack import FakeSlack
from support.seeded import SeedTemplates

from tasks.settings import Settings, get_settings
from tasks.storage import db
from tasks.storage.engine import build_engine

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path, monkeypatch) -> Iterator[None]:
    """Each test gets its own SQLite file and output folder, whatever the developer's `.env` says."""
    for key in list(os.environ):
        if key.startswith("CAMPAIGNS_") and key != pgserver.ENV_URL:
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAMPAIGNS_DATABASE_URL", f"sqlite:///{tmp_path / 'campaigns.db'}")
    monkeypatch.setenv("CAMPAIGNS_OUTPUT_DIR", str(tmp_path / "outputs"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A local Slack Web API server for the real client to talk to."""
    fake = FakeSlack()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One Prefect test API for the session: starting it costs about 15 s."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def pg_server() -> Iterator[pgserver.PostgresServer]:
    try:
        server = pgserver.start_server()
    except pgserver.PostgresBinariesNotFound as exc:
        pytest.skip(str(exc))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request, tmp_path, monkeypatch) -> Iterator[str]:
    """An empty database of each kind, also set as CAMPAIGNS_DATABASE_URL for code that reads settings."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'test.db'}"
        name = None
    else:
        server = request.getfixturevalue("pg_server")
        name = f"t_{uuid.uuid4().hex[:12]}"
        url = server.create_database(name)
    monkeypatch.setenv("CAMPAIGNS_DATABASE_URL", url)
    get_settings.cache_clear()
    yield url
    if name is not None:
        request.getfixturevalue("pg_server").drop_database(name)


@pytest.fixture
def engine(db_url) -> Iterator[Engine]:
    """A migrated database (schema plus the shipped provinces)."""
    eng = build_engine(Settings(database_url=db_url))
    db.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def last_resort_font() -> str:
    """Matplotlib's LastResortHE: it claims every character and draws each as a box."""
    import matplotlib

    path = Path(matplotlib.get_data_path(), "fonts", "ttf", "LastResortHE-Regular.ttf")
    assert path.exists()
    return str(path)


@pytest.fixture(scope="session")
def seed_templates(tmp_path_factory) -> SeedTemplates:
    """Seeded databases built once per session; each test gets a copy (support.seeded)."""
    return SeedTemplates(tmp_path_factory.mktemp("seeded"))


@pytest.fixture
def seeded(seed_templates) -> Engine:
    """800 households over the 31 provinces (seed 5): most of a province's cells are small. Test modules
    that need another roster define their own `seeded`."""
    return seed_templates.database(800, year=2023, seed=5)[0]


@pytest.fixture
def approvers(tmp_path, monkeypatch) -> Path:
    """Two approvers on a list of the test's own, with the codes in release_helpers."""
    from support.release_helpers import LI_CODE, WANG_CODE

    from tasks.release.approvers import add_approver

    path = tmp_path / "approvers.toml"
    add_approver(path, "王审核", "新闻办", WANG_CODE)
    add_approver(path, "李审核", "统计处", LI_CODE)
    monkeypatch.setenv("CAMPAIGNS_RELEASE_APPROVERS_FILE", str(path))
    get_settings.cache_clear()
    return path
