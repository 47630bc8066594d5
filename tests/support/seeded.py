"""Seeded SQLite databases built once per test session: a test gets its own copy of the roster a seed gives
(`seed_database` is deterministic), instead of seeding it again. For fixtures whose tests read or change the
roster but not the seed's own report files."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from tasks.settings import get_settings
from tasks.storage import db
from tasks.storage.engine import build_engine
from tasks.synthetic.seed import SeedReport, seed_database


class SeedTemplates:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.reports: dict[str, SeedReport] = {}

    def database(self, households: int, **options: Any) -> tuple[Engine, SeedReport]:
        """The test's database (its settings') as `seed_database(engine, households, **options)` leaves a new
        one, and the seed's report."""
        key = hashlib.sha1(repr((households, sorted(options.items()))).encode()).hexdigest()[:12]
        template = self.folder / f"{key}.db"
        if key not in self.reports:
            built = build_engine(get_settings().model_copy(update={"database_url": f"sqlite:///{template}"}))
            db.upgrade(built)
            self.reports[key] = seed_database(built, households, **options)
            built.dispose()
        target = make_url(get_settings().database_url).database
        with sqlite3.connect(template) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        return build_engine(), self.reports[key]
