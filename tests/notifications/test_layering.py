"""notifications imports nothing of ours but core (the import-linter contract says so too; this is quick)."""

import ast
from pathlib import Path

import notifications

OURS = {"coprod", "groups", "sessions_app", "payments", "safeguarding"}


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module


def test_notifications_imports_nothing_of_ours_but_core():
    root = Path(notifications.__file__).parent
    found = {
        f"{path.relative_to(root)}: {module}"
        for path in root.rglob("*.py")
        for module in imported_modules(path)
        if module.split(".")[0] in OURS
    }

    assert found == set()
