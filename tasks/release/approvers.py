"""Who may approve a release: the press office's allow-list (`deployments/approvers.toml`), each approver
with a personal approval code (审核码) that only its hash is kept of. The form's name alone proves nothing
(anyone who can open the Prefect UI can type any name): an approval counts only when the code typed with it
matches that approver's stored hash.

The hash is scrypt (memory-hard, in Python's standard library) with a salt per approver; the code itself is
never written anywhere, and the paused run's stored form answer is deleted once read (flows.release)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

MIN_CODE_LENGTH = 8
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # about 16 MB and 50 ms a check: slow to guess, quick for a person


@dataclass(frozen=True)
class Approver:
    name: str  # staff name, shown unmasked in messages (not personal data of a household)
    unit: str  # 新闻办, 统计处 …
    code_hash: str


class ApproversFileError(ValueError):
    """The allow-list cannot be read: named file, entry and what is wrong, in Chinese."""


def hash_code(code: str, salt: bytes | None = None) -> str:
    if len(code) < MIN_CODE_LENGTH:
        raise ValueError(f"审核码至少 {MIN_CODE_LENGTH} 位 / an approval code has at least {MIN_CODE_LENGTH} "
                         "characters")
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(code.encode("utf-8"), salt=salt, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode("ascii") + "$" + base64.b64encode(digest).decode("ascii")


def code_matches(approver: Approver, code: str) -> bool:
    try:
        scheme, salt, digest = approver.code_hash.split("$")
        expected = base64.b64decode(digest)
        salt_bytes = base64.b64decode(salt)
    except ValueError:
        return False
    typed = hashlib.scrypt(code.encode("utf-8"), salt=salt_bytes, **_SCRYPT)  # also for an empty code: same time
    return scheme == "scrypt" and bool(code) and hmac.compare_digest(typed, expected)


def load_approvers(path: Path) -> dict[str, Approver]:
    """The allow-list by name; empty when the file does not exist (nobody can approve until one is added)."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ApproversFileError(f"{path}: 不是有效的 TOML 文件 / not valid TOML: {exc}") from exc
    approvers = {}
    for number, entry in enumerate(data.get("approver", []), start=1):
        missing = [k for k in ("name", "unit", "code_hash") if not str(entry.get(k, "")).strip()]
        if missing:
            raise ApproversFileError(f"{path}: 第 {number} 个 [[approver]] 缺少 {', '.join(missing)} / "
                                     f"approver {number} lacks {', '.join(missing)}")
        approvers[entry["name"].strip()] = Approver(entry["name"].strip(), entry["unit"].strip(), entry["code_hash"])
    return approvers


def verified(approvers: dict[str, Approver], name: str, code: str) -> Approver | None:
    """The approver `name` when `code` is theirs; None for a name not on the list or a wrong code (the same
    answer for both, so that the form does not tell a guesser which names exist)."""
    approver = approvers.get(name.strip())
    if approver is None:
        hash_code("x" * MIN_CODE_LENGTH)  # the same time whether or not the name exists
        return None
    return approver if code_matches(approver, code) else None


def add_approver(path: Path, name: str, unit: str, code: str) -> None:
    """Add or replace `name` on the allow-list. Written by hand rather than by a TOML library: the file is
    a list of three strings per entry, and its comment header is kept."""
    current = load_approvers(path)
    current[name.strip()] = Approver(name.strip(), unit.strip(), hash_code(code))
    header = [line for line in (path.read_text("utf-8").splitlines() if path.exists() else [])
              if line.startswith("#")] or HEADER.splitlines()
    body = []
    for approver in current.values():
        body += ["", "[[approver]]", f"name = {_quoted(approver.name)}", f"unit = {_quoted(approver.unit)}",
                 f"code_hash = {_quoted(approver.code_hash)}"]
    path.write_text("\n".join([*header, *body]) + "\n", encoding="utf-8")


def _quoted(value: str) -> str:
    if any(ch in value for ch in '"\\\n'):
        raise ValueError(f"{value!r}: 不能含引号、反斜杠或换行 / no quotes, backslashes or line breaks")
    return f'"{value}"'


HEADER = """\
# 发布审核人名单 / who may approve a press release.
# 添加或更换审核码：campaigns approvers add 姓名 --unit 新闻办（审核码输入两次，不回显）。
# Add or replace: `campaigns approvers add NAME --unit UNIT` (asks for the approval code twice, not echoed).
# Only the code's salted scrypt hash is kept here; the code itself is never stored."""
