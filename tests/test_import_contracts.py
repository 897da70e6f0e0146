"""The app import directions of docs/ARCHITECTURE.md are import-linter contracts (pyproject `[tool.importlinter]`).

The real tree keeps them; and each contract is shown to fail when broken, on a small copy of the app layout in a
temporary directory, checked against the very same configuration.
"""

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(cwd: Path, *, pythonpath: Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (our own venv's script, fixed arguments)
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(pythonpath), "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def fake_tree(tmp_path: Path, imports: dict[str, str]) -> Path:
    """One empty package per root package of the real configuration, the real configuration copied beside them,
    and `imports` ({"groups": "sessions_app"}) written as a module `<app>/wrong.py` importing the other app."""
    for package in config()["root_packages"]:
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    for source, target in imports.items():
        (tmp_path / source / "wrong.py").write_text(f"import {target}\n")
    section = (ROOT / "pyproject.toml").read_text().split("[tool.importlinter]", 1)[1]
    (tmp_path / "pyproject.toml").write_text("[tool.importlinter]" + section)
    return tmp_path


def test_the_real_tree_keeps_every_contract():
    result = lint_imports(ROOT, pythonpath=ROOT)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_the_fake_tree_without_wrong_imports_keeps_every_contract(tmp_path):
    result = lint_imports(fake_tree(tmp_path, {}), pythonpath=tmp_path)

    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("source", "target", "broken"),
    [
        ("groups", "sessions_app", ["Apps are layered"]),
        ("sessions_app", "payments", ["Apps are layered"]),
        ("payments", "safeguarding", ["Apps are layered"]),
        ("safeguarding", "payments", ["Apps are layered"]),
        ("core", "groups", ["Apps are layered", "core imports nothing of ours"]),
        ("notifications", "groups", ["Apps are layered", "notifications imports only core"]),
        ("core", "notifications", ["Apps are layered", "core imports nothing of ours"]),
        ("groups", "coprod", ["Apps are layered"]),
    ],
)
def test_an_import_against_the_direction_breaks_the_run(tmp_path, source, target, broken):
    result = lint_imports(fake_tree(tmp_path, {source: target}), pythonpath=tmp_path)

    assert result.returncode != 0
    assert f"{source}.wrong -> {target}" in result.stdout
    for name in broken:
        assert f"{name}" in result.stdout
    assert f"{len(broken)} broken" in result.stdout


def test_an_import_along_the_direction_is_allowed(tmp_path):
    tree = fake_tree(tmp_path, {"payments": "sessions_app", "sessions_app": "groups", "groups": "notifications"})
    (tree / "notifications" / "wrong.py").write_text("import core\n")

    result = lint_imports(tree, pythonpath=tmp_path)

    assert result.returncode == 0, result.stdout
