"""Disclosure control that holds: secondary (complementary) suppression, so that no withheld cell of a release
can be worked out from what the year's releases published (tasks.release.attacker).

Small cells are withheld first (`checks.suppress_small_cells`). That alone does not protect them: a
province's figure is the national one minus the other provinces, a count is bounded by the count it is part
of, a published share ties its numerator to its denominator, and the year's earlier releases bound the figures
that only grow within a year. A withheld cell is protected when the attacker's interval on it reaches
`protection` (default 20 %) of its value on each side, and at least one unit of the figure (a withheld 0 must
not be provably 0).

Complementary suppression is greedy, as τ-ARGUS's hypercube method is: while a withheld cell is exposed,
withhold one more cell of the release being drafted, the cheapest that helps (`protect`). Cells of earlier
releases cannot change; one the new release would expose is protected by withholding more of the new one.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tasks.release.attacker import (
    AT_MOST,
    AUDITED,
    RATIOS,
    Attacker,
    Cell,
    Tabulation,
    protected,
)
from tasks.release.figures import FIGURE_BY_KEY, NATIONAL_CODE, province_name

PROTECTION = 0.20


@dataclass
class Audit:
    """One row per withheld cell of every tabulation (`audit`), and the current release's withheld cells."""

    frame: pd.DataFrame
    withheld: frozenset[Cell]  # primary and complementary
    complementary: list[Cell]

    @property
    def exposed(self) -> pd.DataFrame:
        """Withheld cells the attacker can pin down, this release's doing or not."""
        return self.frame[~self.frame["protected"]]

    @property
    def holds(self) -> pd.Series:
        """Per row: protected, or given away by the earlier releases alone (this release cannot hide it)."""
        return self.frame["protected"] | self.frame["exposed_before"]


def protect(tables: list[Tabulation], protection: float = PROTECTION, max_rounds: int = 2000) -> Audit:
    """Withhold more cells of the current tabulation until every withheld cell of every tabulation is
    protected, or nothing more helps (the audit then lists the exposed cells, and the release must stop).

    Each round withholds one more cell, for the first exposed cell it helps, trying in turn: a province
    cell that covers it (`_cover`); a province cell that widens the attacker's interval on it (two cells
    pinned by each other, such as a province's monitored and eliminated households, are opened one step at
    a time); then the same with the national figures, the release's headline, withheld only when no
    province cell helps."""
    current = next(i for i, t in enumerate(tables) if t.current)
    primary = tables[current].withheld
    attacker = Attacker()
    # Cells the earlier releases already gave away between them (published before this audit existed):
    # a new release only adds knowledge, so nothing it withholds can hide them again. Listed, not chased.
    earlier = [t for t in tables if not t.current]
    exposed_before = {(earlier[t].name, cell) for t, cell, _, ok in _audited(attacker, earlier, protection) if not ok}
    # And cells of this release that they pin down even with the whole release withheld (a year-to-date
    # count at least what an earlier release gave away).
    everything = list(tables)
    everything[current] = tables[current].withholding(c for c, v in tables[current].values.items() if v is not None)
    exposed_before |= {(tables[t].name, cell) for t, cell, _, ok in _audited(attacker, everything, protection)
                       if t == current and not ok}
    for _ in range(max_rounds):
        weak = [(t, cell) for t, cell, bounds, ok in _audited(attacker, tables, protection)
                if not ok and (tables[t].name, cell) not in exposed_before]
        choice = None
        for national in (False, True):
            for step in (_cover, _widen):
                choice = next((c for t, cell in weak
                               if (c := step(attacker, tables, current, t, cell, protection, national))), None)
                if choice is not None:
                    break
            if choice is not None:
                break
        if choice is None:  # all protected, or nothing helps: the checkpoint stops the release
            break
        tables = _withholding(tables, current, choice)
    rows = [{"cell": f"{tables[t].name}:{cell[0]}:{cell[1]}", "release": tables[t].name, "province_code": cell[0],
             "province": province_name(cell[0]), "figure": cell[1], "name": FIGURE_BY_KEY[cell[1]].name,
             "lower": bounds[0], "upper": bounds[1], "protected": ok,
             "exposed_before": (tables[t].name, cell) in exposed_before}
            for t, cell, bounds, ok in _audited(attacker, tables, protection)]
    frame = pd.DataFrame(rows, columns=["cell", "release", "province_code", "province", "figure", "name", "lower",
                                        "upper", "protected", "exposed_before"])
    frame = frame.astype({"protected": bool, "exposed_before": bool})
    withheld = tables[current].withheld
    return Audit(frame, withheld, sorted(withheld - primary, key=_audit_order))


def _audited(attacker: Attacker, tables: list[Tabulation], protection: float):
    """Each withheld cell with a value, wholes before their parts (a part is often exposed only through its
    whole): (tabulation, cell, the attacker's bounds, whether they protect it)."""
    for t, table in enumerate(tables):
        for cell in sorted(table.withheld, key=_audit_order):
            value = table.values.get(cell)
            if value is not None:
                bounds = attacker.interval(tables, t, cell)
                yield t, cell, bounds, protected(cell[1], value, bounds, protection)


def _cover(attacker: Attacker, tables: list[Tabulation], current: int, target_table: int, target: Cell,
           protection: float, national: bool) -> Cell | None:
    """A cell of the current tabulation whose withholding protects `target`: one that is itself protected
    then, else the first that protects `target` only (it becomes a target in turn: three cells of a column
    cover each other)."""
    value = tables[target_table].values[target]
    partial = None
    for candidate in _candidates(tables[current], target, value, national):
        trial = _withholding(tables, current, candidate)
        if not protected(target[1], value, attacker.interval(trial, target_table, target), protection):
            continue
        if protected(candidate[1], tables[current].values[candidate], attacker.interval(trial, current, candidate),
                     protection):
            return candidate
        partial = partial or candidate
    return partial


def _widen(attacker: Attacker, tables: list[Tabulation], current: int, target_table: int, target: Cell,
           protection: float, national: bool) -> Cell | None:
    """The candidate that widens the attacker's interval on `target` most, if any widens it."""
    def width(trial: list[Tabulation]) -> float:
        low, high = attacker.interval(trial, target_table, target)
        return high - low

    before = width(tables)
    widths = {c: width(_withholding(tables, current, c))
              for c in _candidates(tables[current], target, tables[target_table].values[target], national)}
    best = max(widths, key=lambda c: widths[c], default=None)
    return best if best is not None and widths[best] > before * (1 + 1e-9) + 1e-9 else None


def _candidates(table: Tabulation, target: Cell, target_value: float | None, national: bool) -> list[Cell]:
    """Published cells of `table` that could cover `target`, in the order they are tried: the target's own
    cell (when the target is in an earlier release); its figure in the other provinces, those large enough
    to cover the protection first, smallest first; the figures tied to it in its province. With `national`:
    the national figure and those tied to it."""
    code, figure = target
    open_cells = {c for c, v in table.values.items() if v is not None and c not in table.withheld}
    if national:
        return [c for c in [(NATIONAL_CODE, figure), *((NATIONAL_CODE, o) for o in _tied(figure))] if c in open_cells]
    need = abs(target_value or 0.0) * PROTECTION
    others = [c for c in open_cells if c[1] == figure and c[0] not in (code, NATIONAL_CODE)]
    big = sorted((c for c in others if table.values[c] >= need), key=lambda c: (table.values[c], c))
    small = sorted((c for c in others if table.values[c] < need), key=lambda c: (-table.values[c], c))
    own = [target] if target in open_cells and code != NATIONAL_CODE else []
    tied = sorted(((code, o) for o in _tied(figure) if (code, o) in open_cells and code != NATIONAL_CODE),
                  key=lambda c: (table.values[c], c))
    return own + big + small + tied


def _tied(figure: str) -> list[str]:
    """The figures the attacker's relations tie to `figure` within a province."""
    tied = [b for a, b in AT_MOST if a == figure] + [a for a, b in AT_MOST if b == figure]
    for ratio in RATIOS:
        parts = [ratio.numerator, ratio.denominator]
        if figure == ratio.key:
            tied += parts
        elif figure in parts:
            tied += [p for p in parts if p != figure]
    return list(dict.fromkeys(tied))


def bundle(cell: Cell) -> set[Cell]:
    """A cell and what must be withheld with it: a share whose numerator or denominator is withheld (with
    the other part published, the share would give the withheld one to within its rounding)."""
    code, figure = cell
    return {cell} | {(code, r.key) for r in RATIOS if figure in (r.numerator, r.denominator)}


def _withholding(tables: list[Tabulation], index: int, cell: Cell) -> list[Tabulation]:
    out = list(tables)
    out[index] = tables[index].withholding(c for c in bundle(cell) if tables[index].values.get(c) is not None)
    return out


def _audit_order(cell: Cell) -> tuple[int, str]:
    return AUDITED.index(cell[1]), cell[0]
