"""Declarative base: English snake_case columns, each carrying its Chinese label for reports."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, MetaData
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, mapped_column

# Stable constraint names, so Alembic migrations name the same things on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def col(zh: str, *args: Any, **kwargs: Any):
    """A mapped column with its Chinese label as the database comment and in `info['zh']`."""
    kwargs.setdefault("comment", zh)
    kwargs.setdefault("info", {})["zh"] = zh
    return mapped_column(*args, **kwargs)


def zh_labels(table) -> dict[str, str]:
    """Column name -> Chinese label, for report headers."""
    return {c.name: c.info.get("zh", c.name) for c in table.columns}
