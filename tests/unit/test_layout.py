"""The house as the README describes it: dependencies point one way (entry points → flows → tasks), and the
README's layout table names every top-level folder and every package of tasks/."""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LAYERS = {"deployments": 2, "flows": 1, "tasks": 0}  # a module may import its own layer and those below


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", sorted(LAYERS))
def test_dependencies_point_one_way(layer):
    upward = []
    for path in sorted((REPO / layer).rglob("*.py")):
        above = {p for p in _imported_packages(path) if LAYERS.get(p, -1) > LAYERS[layer]}
        upward += [f"{path.relative_to(REPO)} imports {p}" for p in sorted(above)]
    assert not upward, "an import points up the layers: " + "; ".join(upward)


def _layout_table() -> str:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("| `"))


def test_readme_layout_names_every_top_level_folder_and_tasks_package():
    table = _layout_table()
    named = set(re.findall(r"`([^`]+?)/?`", table))
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout
    folders = {line.split("/", 1)[0] for line in tracked.splitlines() if "/" in line}
    packages = {f"tasks/{p.parent.name}" for p in (REPO / "tasks").glob("*/__init__.py")}
    missing = sorted(f for f in folders | packages if f not in named)
    assert not missing, f"README's layout table does not name: {', '.join(missing)}"
    gone = sorted(n for n in named if n.startswith("tasks/") and "." not in n and not (REPO / n).is_dir())
    assert not gone, f"README's layout table names what no longer exists: {', '.join(gone)}"


# The order among the packages of tasks/, lowest first (the README's layout section says the same): a module
# imports only from its own package and from packages of a lower level, so no two packages import each other.
TASK_LEVELS = {
    "settings": 0, "reference": 0,
    "model": 1, "privacy": 1,
    "storage": 2,
    "notify": 3, "partitions": 3, "migrations": 3, "quality": 3,
    "outputs": 4,
    "runs": 5,
    "screening": 6, "ingest": 6, "synthetic": 6,  # the seed records its rows' checks, and lists them, as ingest
    "assessment": 7, "lead_watch": 7, "release": 7, "what_if": 7,
    "relocation": 8, "funds": 8, "pairings": 8,  # the policy's other recurring duties: they take the release's quarters
}


def _tasks_package(path: Path) -> str:
    parts = path.relative_to(REPO / "tasks").parts
    return parts[0] if len(parts) > 1 else parts[0].removesuffix(".py")


def _tasks_imports(path: Path) -> set[str]:
    """The packages of tasks/ a module imports, lazily inside functions too."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else \
            [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
        found.update(n.split(".")[1] for n in names if n.startswith("tasks.") and n.count(".") >= 1)
    return found


def test_packages_of_tasks_import_only_downward():
    modules = [p for p in sorted((REPO / "tasks").rglob("*.py")) if "vendor" not in p.parts]
    packages = {_tasks_package(p) for p in modules} - {"__init__"}
    assert packages == set(TASK_LEVELS), f"give every package of tasks/ its level: {packages ^ set(TASK_LEVELS)}"
    against = []
    for path in modules:
        own = _tasks_package(path)
        if own == "__init__":
            continue
        against += [f"{path.relative_to(REPO)} imports tasks.{p}" for p in sorted(_tasks_imports(path))
                    if p != own and TASK_LEVELS.get(p, 99) >= TASK_LEVELS[own]]
    assert not against, "an import within tasks/ points sideways or up: " + "; ".join(against)


def test_the_command_line_only_parses_and_prints():
    """No function of the command line over 40 lines: a longer one is doing work that belongs in tasks/."""
    long = []
    for path in sorted((REPO / "deployments" / "cli").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > 40:
                    long.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "functions of the command line over 40 lines: " + "; ".join(long)


def test_settings_are_read_at_the_edge():
    """Inside tasks/ a building block gets its settings from its caller (a run's context carries them); each
    `get_settings()` left there says why in a comment, on its line or the line above."""
    unexplained = []
    for path in sorted((REPO / "tasks").rglob("*.py")):
        if path.name == "settings.py":
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        for number, line in enumerate(lines, start=1):
            code = line.split("#", 1)[0]
            if "get_settings()" in code and "#" not in line and not lines[number - 2].strip().startswith("#"):
                unexplained.append(f"{path.relative_to(REPO)}:{number}")
    assert not unexplained, "get_settings() inside tasks/ without a reason given: " + ", ".join(unexplained)
