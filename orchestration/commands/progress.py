"""Progress for the long commands: a live display on a terminal, plain lines otherwise.

`bdc run` (and the rebuild after `bdc withdraw`) follow the Dagster run's step events: steps done
of the plan's total, and the step running now. `bdc report`, `bdc site build` and `bdc bench` go
through their stages in order. When standard output is a terminal the display is drawn there with
rich; anywhere else (CI, a pipe, a log file) each step or stage is one plain line on standard
error, beside the logs, so logs stay readable. BDC_PROGRESS=always|never overrides the check.
"""

from __future__ import annotations

import ast
import io
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from dagster import EventLogEntry

PROGRESS_VAR = "BDC_PROGRESS"
ALWAYS = {"always", "1", "yes", "on", "true"}
NEVER = {"never", "0", "no", "off", "false"}
FINISHED = {"STEP_SUCCESS": "done", "STEP_FAILURE": "FAILED", "STEP_SKIPPED": "skipped"}


def forced() -> bool | None:
    """BDC_PROGRESS: True (always), False (never) or None (when standard output is a terminal)."""
    setting = os.environ.get(PROGRESS_VAR, "").strip().lower()
    if setting in ALWAYS:
        return True
    if setting in NEVER:
        return False
    return None


def is_live() -> bool:
    """Whether to draw a live display (else plain lines)."""
    choice = forced()
    if choice is not None:
        return choice
    isatty = getattr(sys.stdout, "isatty", None)
    return bool(isatty and isatty())


def plain(line: str) -> None:
    """One line of progress where there is no live display: on standard error."""
    click.echo(line, err=True)


def _own_stdout():
    """Standard output, as a file of the display's own.

    While a Dagster run goes on, Dagster points file descriptors 1 and 2 at the run's
    compute-log files (and tails them back a second late): a display drawn through them would
    freeze until the run ends. A duplicate of the descriptor, taken before, still reaches the
    terminal. Where there is no descriptor (a test's captured output): None.
    """
    try:
        return os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8", errors="replace")
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


class _Display:
    """One rich progress bar (spinner, description, bar, done/total, elapsed) while open.

    Lines printed while it is open (ours, and whatever the command writes to sys.stdout and
    sys.stderr, which rich redirects) appear above the bar.
    """

    def __init__(self, unit: str, description: str, total: int | None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            SpinnerColumn,
            TextColumn,
            TimeElapsedColumn,
        )

        self._file = _own_stdout()
        # Forced on (BDC_PROGRESS=always): drawn as on a terminal even into a pipe.
        console = Console(file=self._file or sys.stdout, force_terminal=forced() or None)
        self._bar = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn(unit),
            TimeElapsedColumn(),
            console=console,
        )
        self._bar.start()
        self._task = self._bar.add_task(description, total=total)

    def update(self, description: str, done: int, total: int | None) -> None:
        self._bar.update(self._task, description=description, completed=done, total=total)

    def print(self, line: str) -> None:
        self._bar.console.print(line, markup=False, highlight=False)

    def close(self, description: str) -> None:
        self._bar.update(self._task, description=description)
        self._bar.stop()
        if self._file is not None:
            self._file.close()
            self._file = None


class RunProgress:
    """Listens to one Dagster run's events (runner.materialize's on_event).

    The plan's steps are known from the in-process executor's first engine event; each step's
    start makes it the current one, and its success, failure or skip counts it done. A
    multi-asset step (dbt) also counts the assets it has materialized so far.
    """

    def __init__(self, live: bool | None = None):
        self.live = is_live() if live is None else live
        self.total: int | None = None
        self.done = 0
        self.failed: list[str] = []
        self.current: str | None = None
        self.materialized = 0
        self._started: dict[str, float] = {}
        self._display: _Display | None = None

    def __enter__(self) -> RunProgress:
        if self.live:
            self._display = _Display("steps", "Starting the run", None)
        return self

    def __exit__(self, *exc) -> None:
        if self._display is not None:
            self._display.close(self.description())
            self._display = None

    def __call__(self, entry: EventLogEntry) -> None:
        """Progress never breaks a run: a surprise in an event turns the display off."""
        try:
            self._follow(entry)
        except Exception:
            self.__exit__()

    def _follow(self, entry: EventLogEntry) -> None:
        event = entry.dagster_event
        if event is None:
            return
        kind = event.event_type_value
        if kind == "ENGINE_EVENT" and self.total is None:
            steps = planned_steps(event)
            if steps is not None:
                self.total = len(steps)
                self._say(f"Running {self.total} step{'s' * (self.total != 1)}", plainly=True)
        elif kind == "STEP_START":
            self.current, self.materialized = event.step_key, 0
            self._started[event.step_key] = entry.timestamp
        elif kind == "ASSET_MATERIALIZATION":
            self.materialized += 1
        elif kind in FINISHED:
            self.done += 1
            outcome = FINISHED[kind]
            if kind == "STEP_FAILURE":
                self.failed.append(event.step_key)
            started = self._started.get(event.step_key)
            took = f" in {entry.timestamp - started:.1f} s" if started is not None else ""
            line = f"[{self.done}/{self.total or '?'}] {event.step_key}: {outcome}{took}"
            # On the bar, a step that is simply done needs no line of its own.
            self._say(line, plainly=outcome == "done")
            if event.step_key == self.current:
                self.current = None
        else:
            return
        if self._display is not None:
            self._display.update(self.description(), self.done, self.total)

    def _say(self, line: str, plainly: bool = False) -> None:
        """A line: printed above the bar, or on standard error (plainly: only there)."""
        if self._display is None:
            plain(line)
        elif not plainly:
            self._display.print(line)

    def description(self) -> str:
        if self.current:
            assets = f" ({self.materialized} assets so far)" if self.materialized > 1 else ""
            return f"Running {self.current}{assets}"
        if self.failed:
            return "Failed"
        if self.total is not None and self.done >= self.total:
            return "Finished"
        return "Working"


def planned_steps(event) -> list[str] | None:
    """The step keys of the in-process executor's 'Executing steps in process' engine event."""
    metadata = getattr(event.event_specific_data, "metadata", None) or {}
    keys = metadata.get("step_keys")
    if keys is None:
        return None
    try:
        steps = ast.literal_eval(str(keys.value))
    except (ValueError, SyntaxError):
        return None
    return list(steps) if isinstance(steps, list | tuple) else None


class Stages:
    """Named stages in order: a bar with the current stage on a terminal, a line each otherwise.

    start() ends the stage before it and begins the next (or the one named); note(line) prints a
    line above the bar, or plainly. With announce=False the plain mode prints no stage lines of
    its own (the command's notes already say where it is, as `bdc bench`'s do).
    """

    def __init__(
        self,
        names: Sequence[str],
        live: bool | None = None,
        announce: bool = True,
        unit: str = "stages",
    ):
        self.names = list(names)
        self.unit = unit
        self.live = is_live() if live is None else live
        self.announce = announce
        self.done = 0
        self.current: str | None = None
        self._display: _Display | None = None

    def __enter__(self) -> Stages:
        if self.live:
            self._display = _Display(self.unit, "Starting", len(self.names))
        return self

    def __exit__(self, exc_type, *exc) -> None:
        if exc_type is None and self.current is not None:
            self.done += 1
            self.current = None
        if self._display is not None:
            self._display.update(self.current or "", self.done, len(self.names))
            stopped = f"Stopped at: {self.current}" if self.current else "Stopped"
            self._display.close("Finished" if exc_type is None else stopped)
            self._display = None

    def start(self, name: str | None = None) -> None:
        """Begin the next stage (name: its label; default: the next of the names given)."""
        if self.current is not None:
            self.done += 1
        if name is None and self.done >= len(self.names):
            self.current = None  # past the last stage: nothing more to show
        else:
            self.current = name or self.names[self.done]
        if self._display is not None:
            self._display.update(self.current or "", self.done, len(self.names))
        elif self.announce and self.current is not None:
            plain(f"[{self.done + 1}/{len(self.names)}] {self.current}")

    def note(self, line: str) -> None:
        if self._display is not None:
            self._display.print(line)
        else:
            plain(line)
