"""`bdc run --select ...` against a small test database: its progress is a live display on a
terminal (a real pseudo-terminal here); a bad selection is one readable error. The plain lines
everywhere else are tested on a tiny job of their own (tests/unit/test_cli.py)."""

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from orchestration.commands import progress

pytestmark = pytest.mark.integration

BDC = str(Path(sys.executable).parent / "bdc")
SELECTION = "key:raw/crm_contacts"
STEPS = 3  # the raw asset, its freshness check and its Great Expectations suite


def run_bdc(*args: str, terminal: bool) -> tuple[int, str, str]:
    """Run `bdc`; with terminal=True its standard output is a pseudo-terminal."""
    env = {key: value for key, value in os.environ.items() if key != progress.PROGRESS_VAR}
    if not terminal:
        run = subprocess.run([BDC, *args], capture_output=True, text=True, env=env, timeout=600)
        return run.returncode, run.stdout, run.stderr
    leader, follower = pty.openpty()
    screen = bytearray()

    def read() -> None:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal closed
                return
            if not chunk:
                return
            screen.extend(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        process = subprocess.Popen(
            [BDC, *args], stdout=follower, stderr=subprocess.PIPE, env=env, text=True
        )
        os.close(follower)
        _, err = process.communicate(timeout=600)
        reader.join(timeout=10)
    finally:
        os.close(leader)
    return process.returncode, screen.decode("utf-8", "replace"), err


def test_run_shows_live_progress_on_a_terminal(activated):
    code, screen, err = run_bdc("run", "--select", SELECTION, terminal=True)
    assert code == 0, err[-3000:]
    assert f"{STEPS}/{STEPS}" in screen and "steps" in screen and "Finished" in screen
    assert "Running raw__crm_contacts" in screen  # the current step, while it ran
    assert "\x1b[" in screen  # drawn, not printed
    assert "Done. Outputs are under" in screen
    assert "[1/3]" not in err  # no plain lines beside the display


def test_a_selection_of_nothing_is_one_readable_error(activated):
    code, out, err = run_bdc("run", "--select", "key:raw/no_such_source", terminal=False)
    assert code == 1
    assert "matches no assets" in err
    assert "Traceback" not in out + err
    assert "\x1b[" not in out + err  # no terminal, no display


def test_site_build_goes_through_its_stages(activated, monkeypatch):
    from click.testing import CliRunner

    from orchestration.commands.site import site
    from orchestration.lib.quality.gate import GateDecision
    from tests.support import site_sample as sample

    sample.seed(activated)
    asked = []
    monkeypatch.setattr(
        "orchestration.lib.quality.gate.check_gate",
        lambda url, output, period_end=None: asked.append(output) or GateDecision(True),
    )
    monkeypatch.delenv(progress.PROGRESS_VAR, raising=False)
    plain = CliRunner().invoke(site, ["build"])
    assert plain.exit_code == 0, plain.output
    stages = [line for line in plain.stderr.splitlines() if line.startswith("[")]
    assert stages == [
        "[1/4] Preparing the warehouse",
        "[2/4] Rebuilding publish.* (disclosure control)",
        "[3/4] Asking the quality gate",
        "[4/4] Writing the pages and open data",
    ]
    assert asked == ["site"]

    monkeypatch.setenv(progress.PROGRESS_VAR, "always")
    live = CliRunner().invoke(site, ["build", "--skip-publish"])
    assert live.exit_code == 0, live.output
    assert "3/3" in live.stdout and "Finished" in live.stdout
    assert not [line for line in live.stderr.splitlines() if line.startswith("[")]
