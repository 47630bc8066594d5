"""A county's own column names, mapped to the contract's by a coordinator: given for one ingest (`--map
原列名=标准列名`) or saved (`--save --scope 52`) for every later file of everyone, a province or a county."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select

from tasks.model import ColumnMapping
from tasks.model.contract import CONTRACTS, normalise_header
from tasks.runs.audit import record_event


class BadMapping(ValueError):
    pass


def parse_maps(items: Iterable[str]) -> dict[str, str]:
    """`原列名=标准列名` pairs → {normalised original header: standard header}; the standard side must name a
    column of the contract (its Chinese or English name, or a known synonym)."""
    maps = {}
    for item in items:
        original, sep, standard = item.partition("=")
        if not sep or not original.strip() or not standard.strip():
            raise BadMapping(f"{item!r}: write 原列名=标准列名, e.g. 县区编号=县代码")
        if not any(contract.match(standard) for contract in CONTRACTS.values()):
            raise BadMapping(f"{standard.strip()!r} is not a column of the data contract "
                             "(expectations/data_contract.md lists them)")
        maps[normalise_header(original)] = standard.strip()
    return maps


def save_maps(engine: Engine, maps: Mapping[str, str], scope: str, actor: str) -> None:
    """Store the mappings for `scope` ("" everyone, a province code, a county code), replacing earlier ones of
    the same headers there."""
    now = datetime.now()
    with engine.begin() as conn:
        for header, column in maps.items():
            conn.execute(delete(ColumnMapping).where(ColumnMapping.scope == scope, ColumnMapping.header == header))
            conn.execute(insert(ColumnMapping).values(scope=scope, header=header, column=column,
                                                      saved_by=actor[:100], saved_at=now))
        record_event(conn, "ingest.mapping_saved", actor, subject=scope or "全部 / everyone",
                     parameters={"mappings": dict(maps)})


def saved_maps(engine: Engine, county: str | None) -> dict[str, str]:
    """The mappings that apply to a file of `county` (unknown: everyone's only), the most specific first: the
    county's over its province's over everyone's."""
    scopes = ["", *([county[:2], county] if county else [])]
    with engine.connect() as conn:
        rows = conn.execute(select(ColumnMapping.scope, ColumnMapping.header, ColumnMapping.column)
                            .where(ColumnMapping.scope.in_(scopes))).all()
    maps: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: len(r.scope)):  # more specific scopes later, so they win
        maps[row.header] = row.column
    return maps
