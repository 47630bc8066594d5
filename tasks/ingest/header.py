"""Finding the header row (title rows above it are common) and the kind of a submitted file."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field

from tasks.ingest.read import FileRejected, RawSheet
from tasks.model.contract import CONTRACTS, KINDS, Contract, normalise_header

HEADER_SCAN_ROWS = 30
MIN_MATCHES = 2
SIMILAR = 0.5  # difflib ratio from which an unknown header is offered a known one ("did you mean 县代码?")


@dataclass
class Layout:
    contract: Contract
    header_index: int  # position in RawSheet.rows
    header_row: int  # the spreadsheet row / CSV line, for messages
    columns: dict[int, str]  # cell position -> column name
    headers: list[str]  # the file's own header cells
    ignored: list[str]  # header cells that name no column of the contract
    suggestions: dict[str, str] = field(default_factory=dict)  # ignored header -> the closest column's header

    @property
    def kind(self) -> str:
        return self.contract.kind


def _matches(contract: Contract, cells: list[str], renames: Mapping[str, str] | None = None) -> dict[int, str]:
    """Cell position -> column, by the contract's names, else by a coordinator's mapping (tasks.ingest.mapping)."""
    renames = renames or {}
    return {i: name for i, cell in enumerate(cells)
            if (name := contract.match(cell) or contract.match(renames.get(normalise_header(cell), "")))}


def locate(sheet: RawSheet, file: str, kind: str | None = None, renames: Mapping[str, str] | None = None) -> Layout:
    """The header row and the file's kind (`kind` when given), with `renames` (normalised header -> standard
    header) for a county's own names. Rejects a file without a recognisable header, with two headers for one
    column, or without a required column."""
    candidates = [CONTRACTS[kind]] if kind else [CONTRACTS[k] for k in KINDS]
    best: tuple[int, int, int, Contract] | None = None  # (score, has key, -row, contract)
    for index, cells in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        for contract in candidates:
            found = set(_matches(contract, cells, renames).values())
            score = (len(found), int(contract.key in found), -index, contract)
            if len(found) >= MIN_MATCHES and (best is None or score[:3] > best[:3]):
                best = score
    if best is None:
        examples = candidates[0].columns[:4] if kind else ()
        expected = "、".join(c.zh for c in examples) or "户编号、证件号码、线索编号、措施编号"
        what = f"a {kind} header" if kind else "a header of a known kind (households, persons, measures, leads)"
        what_zh = candidates[0].label if kind else "农户、家庭成员、帮扶措施或问题线索"
        raise FileRejected(file, f"找不到表头：前 {HEADER_SCAN_ROWS} 行中没有一行像{what_zh}的表头（至少 {MIN_MATCHES} "
                                 f"个标准列名，如 {expected}），"
                                 f"请使用报送模板（可向协调员索取）/ unknown layout: no row "
                                 f"among the first {HEADER_SCAN_ROWS} is {what} (at least {MIN_MATCHES} known column "
                                 f"names, such as {expected})")
    contract, index = best[3], -best[2]
    cells = sheet.rows[index]
    row = sheet.row_numbers[index]
    columns = _matches(contract, cells, renames)
    seen: dict[str, int] = {}
    for position, name in columns.items():
        if name in seen:
            column = contract.column(name)
            raise FileRejected(file, f"“{cells[seen[name]].strip()}”和“{cells[position].strip()}”两列都是{column.zh}，"
                                     f"请只保留一列 / two columns, {cells[seen[name]].strip()!r} and "
                                     f"{cells[position].strip()!r}, both mean {column.zh} ({name}); keep one",
                               column=column.zh, row=row)
        seen[name] = position
    ignored = [c.strip() for i, c in enumerate(cells) if i not in columns and c.strip()]
    taken = set(columns.values())
    suggestions = {h: near for h in ignored if (near := closest_column(contract, h, taken))}
    missing = [contract.column(n) for n in contract.required if n not in seen]
    if missing:
        names = ", ".join(f"{c.zh} ({c.name})" for c in missing)
        hint = _better_kind(cells, contract)
        resembling = "".join(f"; the file has “{h}”: 是否为“{near}”？ / did you mean {near}?"
                             for h, near in suggestions.items() if near in {c.zh for c in missing})
        said = (f"{contract.label}表缺少必需的列：{'、'.join(c.zh for c in missing)}"
                + (f"（表头看起来是{CONTRACTS[hint].label}表，是否报错了类别？）" if hint else "") + " / ")
        raise FileRejected(file, said + f"missing required column(s) for {contract.kind} ({contract.label}): {names}"
                                 + resembling + (f"; the header looks like {hint} ({CONTRACTS[hint].label})"
                                                 if hint else ""),
                           column=missing[0].zh, row=row)
    return Layout(contract, index, row, columns, cells, ignored, suggestions)


def closest_column(contract: Contract, header: str, taken: set[str] = frozenset()) -> str | None:
    """The national header (`县代码`) of the column an unknown header most resembles, among the columns the
    file does not already carry; None when nothing is close."""
    known = {h: name for h, name in contract.lookup.items() if name not in taken}
    near = difflib.get_close_matches(normalise_header(header), list(known), n=1, cutoff=SIMILAR)
    return contract.column(known[near[0]]).zh if near else None


def _better_kind(cells: list[str], chosen: Contract) -> str | None:
    """Another kind whose required columns this header has: the file was sent as the wrong kind."""
    for kind in KINDS:
        contract = CONTRACTS[kind]
        found = set(_matches(contract, cells).values())
        if kind != chosen.kind and all(n in found for n in contract.required):
            return kind
    return None
