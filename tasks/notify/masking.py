"""The notifier's last line of defence: whatever a caller passed, no unmasked ID number or full name of a
person in the database leaves in a message."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, bindparam, text

from tasks.privacy import CJK, mask_name, mask_personal_numbers_in_text

CJK_RUN = re.compile(CJK + "{2,}")
NAME_LENGTHS = (2, 3, 4)
NAME_QUERY = text(
    "SELECT name FROM persons WHERE name IN :names UNION SELECT name FROM leads WHERE name IN :names"
).bindparams(bindparam("names", expanding=True))


class PersonalDataMasker:
    """Masks 18-character ID numbers by pattern, and names found in `persons` or `leads`."""

    def __init__(self, engine: Engine | None) -> None:
        self.engine = engine

    def mask(self, payload: Any, keep: tuple[str, ...] = ()) -> Any:
        """Mask every string inside a JSON-like payload (text or Block Kit blocks), one lookup in all. Names in
        `keep` are staff names the message gives as such (an approver): not household data, left as they are."""
        strings: list[str] = []
        _walk(payload, lambda s: strings.append(s) or s)
        found = self._known_names("\n".join(strings)) - set(keep)
        names = sorted(found, key=len, reverse=True)  # 欧阳娜娜 before 欧阳

        def clean(value: str) -> str:
            value = mask_personal_numbers_in_text(value)  # phone numbers too: any text may quote one
            for name in names:
                value = value.replace(name, mask_name(name))
            return value

        return _walk(payload, clean)

    def _known_names(self, value: str) -> set[str]:
        if self.engine is None:
            return set()
        candidates = {run[i:i + n] for run in CJK_RUN.findall(value) for n in NAME_LENGTHS
                      for i in range(len(run) - n + 1)}
        if not candidates:
            return set()
        with self.engine.connect() as conn:
            return {row[0] for row in conn.execute(NAME_QUERY, {"names": sorted(candidates)})}


def _walk(payload: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(payload, str):
        return fn(payload)
    if isinstance(payload, list):
        return [_walk(v, fn) for v in payload]
    if isinstance(payload, dict):
        return {k: _walk(v, fn) for k, v in payload.items()}
    return payload
