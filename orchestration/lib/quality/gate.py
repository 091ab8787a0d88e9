"""The publication gate: may this output (a report, the public site, a partner extract) be written?

    decision = check_gate(url, "report:cabinet", period_end=date(2025, 3, 31))
    if not decision.allowed:
        ...keep the last good output, say so, exit non-zero, listing decision.reasons

Blocked by (reasons):
- an ERROR-severity expectation that failed in the latest run of a suite the output depends on,
  unless an active waiver (input.quality_waivers) covers it;
- a stale input source (freshness.py): data that are due for the output's period (or, without
  one, the latest period due) and not loaded, unless an active Policy Team override
  (input.freshness_overrides) covers that output and source.
Recorded but not blocking (warnings): WARN failures, waived failures, overridden staleness,
late arrivals, data of the output's period that are not due yet (the latest due period is
checked instead) and suites that have never been run. Every decision is written to
audit.gate_decisions.

The caller names the period (reports: the reporting calendar; extracts: the latest period due),
never the newest row of a table, so rows loaded early for a later month neither move a period
nor close the gate; quality failures after the period end are not the period's either.

Which suites and sources an output depends on: expectations/outputs.yml, else everything.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import psycopg
import yaml

from orchestration.lib import environment
from orchestration.lib.quality import freshness, store


@dataclass
class GateDecision:
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.allowed:
            return "Publication allowed" + (
                f" with {len(self.warnings)} warning(s)" if self.warnings else ""
            )
        return f"Publication blocked: {self.reasons[0]}" + (
            f" (and {len(self.reasons) - 1} more)" if len(self.reasons) > 1 else ""
        )


@dataclass(frozen=True)
class Inputs:
    suites: tuple[str, ...] | None  # None: every suite
    sources: tuple[str, ...] | None  # None: every scheduled source


def _outputs_file() -> Path:
    return environment.expectations_dir() / "outputs.yml"


@cache
def _output_map(path: Path) -> dict:
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text()) or {}


def inputs_for(output: str) -> Inputs:
    """The suites and sources an output reads; the most specific entry wins ('share:x', 'share')."""
    mapping = _output_map(_outputs_file())
    entry = mapping.get(output) or mapping.get(output.split(":", 1)[0]) or {}

    def listed(key: str) -> tuple[str, ...] | None:
        value = entry.get(key, "all")
        return None if value == "all" else tuple(value)

    return Inputs(suites=listed("suites"), sources=listed("sources"))


@dataclass(frozen=True)
class Failure:
    suite: str
    check_id: str
    criterion: str
    severity: str
    measure_id: str | None
    council_code: str | None
    period_start: dt.date | None
    evidence: str

    def describe(self) -> str:
        scope = ""
        if self.measure_id:
            scope = f" for {self.measure_id}"
            if self.council_code:
                scope += f" ({self.council_code})"
            if self.period_start:
                scope += f" {self.period_start:%B %Y}"
        return f"{self.criterion} check {self.check_id} failed{scope}: {self.evidence}"


LATEST_FAILURES_SQL = """
with latest as (
    select distinct on (suite) run_id, suite from audit.quality_runs
    order by suite, checked_at desc
)
select r.suite, r.check_id, r.criterion, r.severity, r.measure_id, r.council_code,
       r.period_start, coalesce(r.evidence, '')
from audit.quality_results r join latest using (run_id)
where not r.success
  and (%(suites)s::text[] is null or r.suite = any(%(suites)s::text[]))
  and (%(period_end)s::date is null or r.period_start is null
       or r.period_start <= %(period_end)s::date)
order by r.severity, r.suite, r.check_id, r.measure_id, r.period_start
"""

ACTIVE_WAIVERS_SQL = """
select waiver_id, check_id, measure_id, council_code, period_start, criterion, reason,
       waived_by, expires_at
from input.quality_waivers
where revoked_at is null and expires_at > now()
order by waiver_id
"""


@dataclass(frozen=True)
class Waiver:
    waiver_id: int
    check_id: str | None
    measure_id: str | None
    council_code: str | None
    period_start: dt.date | None
    criterion: str | None
    reason: str
    waived_by: str
    expires_at: dt.datetime

    def covers(self, failure: Failure) -> bool:
        """Every field the waiver names must match; a check_id may also name a whole suite."""
        return (
            self.check_id in (None, failure.check_id, failure.suite)
            and self.measure_id in (None, failure.measure_id)
            and self.council_code in (None, failure.council_code)
            and self.period_start in (None, failure.period_start)
            and self.criterion in (None, failure.criterion)
        )

    def describe(self) -> str:
        return (
            f"waived by {self.waived_by} until {self.expires_at:%d %B %Y} "
            f"(waiver {self.waiver_id}: {self.reason})"
        )


def latest_failures(
    conn: psycopg.Connection, suites: tuple[str, ...] | None, period_end: dt.date | None
) -> list[Failure]:
    rows = conn.execute(
        LATEST_FAILURES_SQL,
        {"suites": list(suites) if suites is not None else None, "period_end": period_end},
    ).fetchall()
    return [Failure(*row) for row in rows]


def active_waivers(conn: psycopg.Connection) -> list[Waiver]:
    return [Waiver(*row) for row in conn.execute(ACTIVE_WAIVERS_SQL).fetchall()]


def _never_run(conn: psycopg.Connection, suites: tuple[str, ...] | None) -> list[str]:
    from orchestration.lib.quality import suite_files

    ran = {row[0] for row in conn.execute("select distinct suite from audit.quality_runs")}
    wanted = [suite.name for suite in suite_files.all_suites()]
    if suites is not None:
        wanted = [name for name in wanted if name in suites]
    return [name for name in wanted if name not in ran]


def _quality(conn, inputs: Inputs, period_end, decision: GateDecision) -> None:
    waivers = active_waivers(conn)
    for failure in latest_failures(conn, inputs.suites, period_end):
        waiver = next((waiver for waiver in waivers if waiver.covers(failure)), None)
        if waiver is not None:
            decision.warnings.append(f"{failure.describe()} ({waiver.describe()})")
        elif failure.severity == "ERROR":
            decision.reasons.append(failure.describe())
        else:
            decision.warnings.append(f"WARN: {failure.describe()}")
    for suite in _never_run(conn, inputs.suites):
        decision.warnings.append(f"suite {suite} has not been run yet")


def _timeliness(conn, output, inputs: Inputs, period_end, today, decision) -> None:
    overrides = freshness.active_overrides(conn, output)
    sources = list(inputs.sources) if inputs.sources is not None else None
    for state in freshness.check_sources(conn, sources, today=today, period_end=period_end):
        if state.awaiting is not None:
            decision.warnings.append(state.awaiting_message())
        if state.late:
            decision.warnings.append(state.message())
        if not state.stale:
            continue
        override = next((item for item in overrides if item.covers(output, state.source)), None)
        if override is None:
            decision.reasons.append(
                f"stale input {state.message()}; load it, or the Policy Team records an "
                "override in input.freshness_overrides"
            )
        else:
            decision.warnings.append(
                f"stale input {state.message()}; overridden by {override.person} until "
                f"{override.expires_at:%d %B %Y} (override {override.override_id}: "
                f"{override.reason})"
            )


def check_gate(
    url: str,
    output: str,
    period_end: dt.date | None = None,
    *,
    today: dt.date | None = None,
) -> GateDecision:
    """Decide whether `output` ("report:cabinet", "site", "share:<agreement>") may be written."""
    inputs = inputs_for(output)
    decision = GateDecision(allowed=False)
    with psycopg.connect(url) as conn:
        store.ensure_tables(conn)
        _quality(conn, inputs, period_end, decision)
        _timeliness(conn, output, inputs, period_end, today, decision)
        decision.allowed = not decision.reasons
        conn.execute(
            """insert into audit.gate_decisions (output, period_end, allowed, reasons, warnings)
               values (%s, %s, %s, %s, %s)""",
            (
                output,
                period_end,
                decision.allowed,
                json.dumps(decision.reasons),
                json.dumps(decision.warnings),
            ),
        )
    return decision
