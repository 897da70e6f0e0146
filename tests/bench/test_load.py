"""A short load run (bench/load.py with locust, about 40 seconds): ten people sign in at once from one address,
each says yes and asks for help with travel while a facilitator checks them in; nothing fails, and the database
holds exactly what each person was told, once. Skipped where locust (the `bench` extra) is not installed."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

needs_locust = pytest.mark.skipif(
    not (ROOT / ".venv" / "bin" / "locust").exists(), reason="locust is in the bench extra (pip install -e .[bench])"
)


@needs_locust
def test_ten_people_at_once_lose_nothing_and_make_nothing_twice(tmp_path):
    # given / when
    figures_path = tmp_path / "figures.json"
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "load.py"), "--people", "10", "--run-time", "20"]
        + ["--json", str(figures_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )

    # then
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    figures = json.loads(figures_path.read_text())
    assert figures["5xx"] == 0
    assert figures["no response"] == 0
    assert figures["signed in"] == 10
    assert figures["told yes"] == figures["answers in the database"] == 10
    assert figures["told support asked"] == figures["support requests in the database"] == 10
    assert figures["check-ins in the database"] == figures["told checked in"] > 0
    for key, value in figures.items():
        if "lost" in key or "duplicated" in key or "unseen" in key or "not told" in key:
            assert value == 0, key
