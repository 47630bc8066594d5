"""The throwaway PostgreSQL server used by the PostgreSQL tests starts, serves and stops."""

import uuid

import pytest
from sqlalchemy import create_engine, text

try:
    from tests import pgserver
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from support import pgserver


@pytest.mark.postgres
def test_pgserver_starts_creates_database_and_stops():
    try:
        server = pgserver.start_server()
    except pgserver.PostgresBinariesNotFound as exc:
        pytest.skip(str(exc))
    try:
        assert server.url.startswith("postgresql+psycopg://")
        name = f"x_{uuid.uuid4().hex[:12]}"
        url = server.create_database(name)
        assert url.endswith(f"/{name}")
        for db_url in (server.url, url):
            engine = create_engine(db_url)
            try:
                with engine.connect() as conn:
                    assert conn.execute(text("select 1")).scalar_one() == 1
            finally:
                engine.dispose()
        if server.external:
            server.drop_database(name)
    finally:
        datadir = server.datadir
        server.stop()
    if not server.external:
        assert not datadir.exists()
