"""A short PostgreSQL restart under gunicorn (bench/faults_postgres.py, about 45 seconds): the site answers again
within seconds, shows its own error page meanwhile (never gunicorn's bare one), and no answer a person was told
was saved is lost or made twice. It uses a private PostgreSQL cluster of its own, never the shared one."""

import glob
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent

needs_postgres_binaries = pytest.mark.skipif(
    not glob.glob("/usr/lib/postgresql/*/bin/initdb") or (os.geteuid() == 0 and not shutil.which("runuser")),
    reason="needs PostgreSQL's server binaries (initdb, pg_ctl) to make a private cluster",
)


@needs_postgres_binaries
def test_a_postgres_restart_mid_run_loses_nothing_and_the_site_recovers(tmp_path):
    # given / when: people sign in, open pages and say yes while PostgreSQL restarts
    figures_path = tmp_path / "figures.json"
    command = [sys.executable, str(ROOT / "bench" / "faults_postgres.py"), "--duration", "16", "--restart-at", "6"]
    result = subprocess.run(  # noqa: S603
        [*command, "--threads", "2", "--json", str(figures_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
    )

    # then
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(figures_path.read_text())
    figures, rows = report["figures"], report["requests"]
    assert figures["answers told saved (distinct people)"] > 0
    assert figures["answers lost"] == 0
    assert figures["answers duplicated"] == 0
    assert figures["recovery s (restart to first success after the last failure)"] <= 10
    assert not [page for page in figures["5xx pages shown"] if page != "our page"]
    after = [row for row in rows if row["window"] == "after"]
    assert after, "no requests after the restart"
    assert all(row["ok"] == row["requests"] for row in after)
