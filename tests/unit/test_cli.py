"""The `bdc` command line: its version, the commands the README lists, readable errors, and the
progress display (no database: a tiny Dagster job of its own)."""

import importlib.metadata
import os
import re
import subprocess
import sys
from pathlib import Path

import click
import dagster as dg
import pytest
from click.testing import CliRunner

from orchestration import cli
from orchestration.commands import progress
from orchestration.lib import environment
from orchestration.lib.dagster import runner

pytestmark = pytest.mark.unit

BDC = str(Path(sys.executable).parent / "bdc")
README = environment.REPO_ROOT / "README.md"


def bdc(*args: str, **env: str) -> subprocess.CompletedProcess:
    """The installed `bdc`, as a person runs it (no terminal)."""
    return subprocess.run(
        [BDC, *args], capture_output=True, text=True, env={**os.environ, **env}, timeout=120
    )


def test_version_prints_the_package_version():
    expected = f"bdc {importlib.metadata.version('bdc-platform')}"
    run = bdc("--version")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == expected
    assert CliRunner().invoke(cli.main, ["--version"]).output.strip() == expected


# Every command of the README's list ("The `bdc` command").


def readme_commands() -> list[tuple[str, ...]]:
    """The command paths of the README's list: `bdc db start|stop` gives (db, start), (db, stop);
    words after the last command (arguments such as `cabinet|portfolio`) are not commands."""
    section = README.read_text().split("## The `bdc` command", 1)[1]
    block = section.split("```", 2)[1]
    paths: set[tuple[str, ...]] = set()
    for line in block.splitlines():
        if not line.startswith("bdc "):
            continue
        found: list[tuple[str, ...]] = [()]
        for word in line.split()[1:]:
            if word.startswith(("-", "[")):
                break
            names = word.split("|")
            group = cli.main
            for name in found[0]:
                group = group.commands[name]
            if not isinstance(group, click.Group) or not all(n in group.commands for n in names):
                break
            found = [(*path, name) for path in found for name in names]
        paths.update(path for path in found if path)
    return sorted(paths)


def all_commands(group: click.Group = cli.main, prefix=()) -> list[tuple[str, ...]]:
    found = []
    for name, command in group.commands.items():
        if command.hidden:
            continue
        found.append((*prefix, name))
        if isinstance(command, click.Group):
            found += all_commands(command, (*prefix, name))
    return found


def test_the_readme_lists_every_command_there_is():
    listed = readme_commands()
    assert {("db", "start"), ("report",), ("site", "build"), ("web", "user")} <= set(listed)
    listed_or_parent = set(listed) | {path[:1] for path in listed}
    assert sorted(set(all_commands()) - listed_or_parent) == []


@pytest.mark.parametrize("path", readme_commands(), ids=" ".join)
def test_every_listed_command_has_help(path):
    result = CliRunner().invoke(cli.main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"Usage: main {' '.join(path)}")


def test_the_readme_mentions_version_and_the_installed_command_has_help():
    assert "bdc --version" in README.read_text()
    run = bdc("--help")
    assert run.returncode == 0 and "Commands:" in run.stdout


def test_cli_py_is_only_the_group():
    """Every command is a module of orchestration/commands/; cli.py defines none itself."""
    source = (environment.REPO_ROOT / "orchestration" / "cli.py").read_text()
    assert re.findall(r"@main\.(?:command|group)", source) == []
    for command in cli.main.commands.values():
        assert command.callback.__module__.startswith("orchestration.commands."), command.name


# Bad input: a short message and a non-zero exit, never a traceback.


@pytest.mark.parametrize(
    "args, says",
    [
        (["no-such-command"], "No such command"),
        (["db", "url", "--role", "nobody"], "Invalid value for '--role'"),
        (["ingest", "/no/such/file.csv"], "does not exist"),
        (["bench", "--scales", "ten"], "not a comma-separated list of numbers"),
        (["demo", "--scale", "0"], "Invalid value for '--scale'"),
        (["report", "annual"], "Invalid value for '{cabinet|portfolio|scrutiny}'"),
        (["run", "--select", "key:raw/x", "--unknown"], "No such option"),
    ],
)
def test_bad_input_is_a_message_not_a_traceback(args, says):
    run = bdc(*args)
    assert run.returncode != 0
    assert says in run.stderr
    assert "Traceback" not in run.stderr + run.stdout


def test_a_failure_inside_a_command_is_one_readable_error(tmp_path):
    run = bdc("demo", "--out", str(tmp_path), "--last-month", "2026-13", "--scale", "0.01")
    assert run.returncode == 1
    assert "Error: month must be in 1..12" in run.stderr
    assert "bdc --debug" in run.stderr and "Traceback" not in run.stderr
    debug = bdc("--debug", "demo", "--out", str(tmp_path), "--last-month", "2026-13")
    assert debug.returncode == 1 and "Traceback" in debug.stderr


def test_the_group_makes_any_commands_unexpected_error_readable():
    @click.group(cls=cli.Bdc)
    @click.option("--debug", is_flag=True)
    def group(debug: bool) -> None:
        pass

    @group.command()
    def boom() -> None:
        raise RuntimeError("the disk is full")

    result = CliRunner().invoke(group, ["boom"])
    assert result.exit_code == 1
    assert "Error: the disk is full" in result.output
    assert not isinstance(result.exception, RuntimeError)
    debug = CliRunner().invoke(group, ["--debug", "boom"])
    assert isinstance(debug.exception, RuntimeError)


# Progress.


@dg.asset
def upstream() -> int:
    return 1


@dg.asset
def downstream(upstream: int) -> int:
    return upstream + 1


@dg.asset
def broken(upstream: int) -> int:
    raise ValueError("no data")


@pytest.fixture
def dagster_home(tmp_path, monkeypatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    monkeypatch.delenv(progress.PROGRESS_VAR, raising=False)


def tiny(*assets) -> dg.Definitions:
    return dg.Definitions(assets=list(assets), executor=dg.in_process_executor)


def test_plain_progress_is_one_line_per_step_on_stderr(dagster_home, capsys):
    with progress.RunProgress() as listening:  # captured output is no terminal
        assert not listening.live
        result = runner.materialize(tiny(upstream, downstream), on_event=listening)
    assert result.success
    out, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.startswith(("Running", "["))]
    assert lines[0] == "Running 2 steps"
    assert re.fullmatch(r"\[1/2\] upstream: done in \d+\.\d s", lines[1]), lines
    assert re.fullmatch(r"\[2/2\] downstream: done in \d+\.\d s", lines[2]), lines
    assert "\x1b[" not in out + err
    assert (listening.done, listening.total, listening.description()) == (2, 2, "Finished")


def test_a_failed_step_is_said_and_counted(dagster_home, capsys):
    with progress.RunProgress(live=False) as listening:
        result = runner.materialize(tiny(upstream, broken), on_event=listening)
    assert not result.success
    err = capsys.readouterr().err
    assert "[2/2] broken: FAILED" in err
    assert listening.failed == ["broken"] and listening.description() == "Failed"


def test_the_live_display_draws_steps_when_forced(dagster_home, capsys, monkeypatch):
    monkeypatch.setenv(progress.PROGRESS_VAR, "always")
    with progress.RunProgress() as listening:
        assert listening.live
        runner.materialize(tiny(upstream, downstream), on_event=listening)
    out, err = capsys.readouterr()
    assert "2/2" in out and "steps" in out and "Finished" in out
    assert "\x1b[" in out  # drawn as on a terminal
    assert "[1/2]" not in err  # no plain lines beside the display


@pytest.mark.parametrize(
    "setting, tty, live",
    [("", False, False), ("", True, True), ("never", True, False), ("always", False, True)],
)
def test_live_only_on_a_terminal_unless_overridden(setting, tty, live, monkeypatch):
    class Stream:
        def isatty(self) -> bool:
            return tty

    monkeypatch.setenv(progress.PROGRESS_VAR, setting)
    monkeypatch.setattr(sys, "stdout", Stream())
    assert progress.is_live() is live


def test_stages_say_each_stage_plainly(capsys):
    with progress.Stages(["Preparing the warehouse", "Building the pack"], live=False) as stages:
        stages.start()
        stages.start()
        stages.note("a note")
    assert capsys.readouterr().err.splitlines() == [
        "[1/2] Preparing the warehouse",
        "[2/2] Building the pack",
        "a note",
    ]
    assert stages.done == 2


def test_stages_draw_a_bar_when_forced(capsys, monkeypatch):
    monkeypatch.setenv(progress.PROGRESS_VAR, "always")
    with progress.Stages(["one", "two", "three"], unit="steps") as stages:
        for _ in range(3):
            stages.start()
    out = capsys.readouterr().out
    assert "3/3" in out and "Finished" in out


def test_stages_stop_at_the_failing_stage(capsys, monkeypatch):
    monkeypatch.setenv(progress.PROGRESS_VAR, "always")
    with pytest.raises(click.ClickException):
        with progress.Stages(["one", "two"]) as stages:
            stages.start()
            stages.start()
            raise click.ClickException("no")
    assert "Stopped at: two" in capsys.readouterr().out


def test_env_example_lists_every_setting_the_code_reads():
    """Every BDC_* name the code quotes (and the read-only roles' passwords) is in .env.example."""
    from orchestration.lib import warehouse

    sources = [*environment.REPO_ROOT.glob("orchestration/**/*.py")]
    sources += [*environment.REPO_ROOT.glob("webapp/**/*.py")]
    sources += [environment.REPO_ROOT / "dbt_project" / "profiles.yml"]
    quoted = re.compile(r"""["'](BDC_[A-Z0-9_]+|DBT_TARGET)["']""")
    names = {name for path in sources for name in quoted.findall(path.read_text())}
    names |= {f"BDC_{role.upper()}_PASSWORD" for role in warehouse.LOGIN_ROLES}
    example = (environment.REPO_ROOT / ".env.example").read_text()
    listed = set(re.findall(r"^# ([A-Z][A-Z0-9_]+)=", example, flags=re.MULTILINE))
    assert {"BDC_WAREHOUSE_URL", "DBT_TARGET", "BDC_WEB_SECRET_KEY"} <= names
    assert sorted(names - listed) == []


def fake_benchmark(scales, out_dir, said, last_month=None):
    """bench/run.py's lines for each scale, without running anything."""
    from orchestration.bench import run, stages

    for scale in scales:
        label = run.scale_label(scale)
        said(f"scale {label}: starting a throwaway PostgreSQL (fsync off)")
        for name in ("generate", *stages.STAGE_NAMES):
            said(f"scale {label}: {name}: 1.0 s")
        said(f"scale {label}: REFUSED demo file x.csv")
        for name in ("one new month", "report packs of the newest period", "ingest of x"):
            said(f"scale {label}: {name}: 1.0 s")
        if scale == run.DEPLOYMENT_SCALE:
            said(f"scale {label}: deployment: starting the code server")
            said(f"scale {label}: file to public page: 1.0 s")
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.md").write_text("# Benchmark\n")
    return {"scales": {run.scale_label(scale): {"success": True} for scale in scales}}


def test_bench_counts_its_steps(tmp_path, monkeypatch):
    from orchestration.bench import run, stages
    from orchestration.commands.bench import bench

    monkeypatch.setattr(run, "benchmark", fake_benchmark)
    monkeypatch.delenv(progress.PROGRESS_VAR, raising=False)
    plain = CliRunner().invoke(bench, ["--scales", "1,2", "--out", str(tmp_path)])
    assert plain.exit_code == 0, plain.output
    lines = plain.stderr.splitlines()
    assert lines[0] == "Benchmark at scale(s) 1, 2"
    assert lines[1:] and all(line.startswith("  scale ") for line in lines[1:])  # as before

    monkeypatch.setenv(progress.PROGRESS_VAR, "always")
    live = CliRunner().invoke(bench, ["--scales", "1,2", "--out", str(tmp_path)])
    assert live.exit_code == 0, live.output
    total = 2 * (len(stages.STAGE_NAMES) + 4) + 1  # scale 1 also times a file to the public page
    assert f"{total}/{total}" in live.stdout and "Finished" in live.stdout
