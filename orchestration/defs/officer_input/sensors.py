"""Officer input ready for members starts a run of what it affects (event-driven, not on a
schedule).

The sensor polls input.manual_values for values confirmed, and input.commentary for commentary
signed off, since its cursor and requests one run of everything downstream of the input.*
tables (measures, analysis, reports, public pages). The cursor remembers the newest
confirmation time and the rows seen in a short overlap window before it, so a confirmation
committed a little after a later one is still picked up exactly once.
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import dagster as dg
import psycopg

from orchestration.defs.keys import model_key
from orchestration.defs.officer_input.assets import INPUT_ASSET_KEYS
from orchestration.defs.reporting.schedules import JOB_NAMES, REPORT_JOBS
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.dagster.selections import rebuild_selection
from orchestration.lib.reporting import calendar

JOB_NAME = "officer_input_job"
OVERLAP = timedelta(minutes=10)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MEASURES_MART = model_key("fct_measure_values")

# Commentary counts once a Director has signed it off (only then do reports and the site show
# it, docs/webapp.md); values once the manager has confirmed them.
CONFIRMED_SQL = """
select 'commentary', measure_id, council_code, period_start, signed_off_at
from input.commentary where status = 'signed_off' and signed_off_at > %(since)s
union all
select 'manual_values', measure_id, council_code, period_start, confirmed_at
from input.manual_values where status = 'confirmed' and confirmed_at > %(since)s
order by 5
"""


@dataclass(frozen=True)
class Confirmed:
    table: str
    measure_id: str
    council_code: str
    period_start: str
    confirmed_at: datetime

    @property
    def key(self) -> str:
        stamp = self.confirmed_at.isoformat()
        return f"{self.table}|{self.council_code}|{self.measure_id}|{self.period_start}|{stamp}"


@dataclass
class Cursor:
    newest: datetime
    seen: frozenset[str]

    @classmethod
    def parse(cls, text: str | None) -> "Cursor":
        if not text:
            return cls(EPOCH, frozenset())
        data = json.loads(text)
        return cls(datetime.fromisoformat(data["newest"]), frozenset(data["seen"]))

    def dump(self) -> str:
        return json.dumps({"newest": self.newest.isoformat(), "seen": sorted(self.seen)})


def first_cursor(instance: dg.DagsterInstance) -> Cursor:
    """Before its first evaluation the sensor has seen nothing; but entries confirmed before the
    last run that built the measures started (`bdc run`, with the demo's seeded entries) are in
    them already, so only later confirmations start runs."""
    event = instance.get_latest_materialization_event(MEASURES_MART)
    record = event and instance.get_run_record_by_id(event.run_id)
    if record is None or record.start_time is None:
        return Cursor.parse(None)
    return Cursor(datetime.fromtimestamp(record.start_time, UTC), frozenset())


def confirmed_since(url: str, since: datetime) -> list[Confirmed]:
    with psycopg.connect(url) as conn:
        present = conn.execute(
            "select to_regclass('input.commentary') is not null "
            "and to_regclass('input.manual_values') is not null"
        ).fetchone()[0]
        if not present:
            return []
        rows = conn.execute(CONFIRMED_SQL, {"since": since}).fetchall()
    return [Confirmed(t, m, c, str(p), at) for t, m, c, p, at in rows]


def next_step(cursor: Cursor, rows: list[Confirmed]) -> tuple[list[Confirmed], Cursor]:
    """The rows not seen before, and the cursor after them."""
    new = [row for row in rows if row.key not in cursor.seen]
    newest = max([cursor.newest, *(row.confirmed_at for row in rows)])
    window_start = newest - OVERLAP
    seen = {key for key in cursor.seen if _stamp(key) > window_start}
    seen |= {row.key for row in rows if row.confirmed_at > window_start}
    return new, Cursor(newest, frozenset(seen))


def _digest(keys) -> str:
    return hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:16]


def _stamp(key: str) -> datetime:
    return datetime.fromisoformat(key.rsplit("|", 1)[1])


def officer_input_job():
    return OFFICER_INPUT_JOB


_INPUTS = dg.AssetSelection.assets(*INPUT_ASSET_KEYS)
OFFICER_INPUT_JOB = dg.define_asset_job(
    JOB_NAME,
    selection=rebuild_selection(_INPUTS.downstream() - _INPUTS),
    description="Rebuild the measures, analysis and public pages that read input.*",
    tags={"bdc/run": "rebuild"},  # one rebuild or pack run at a time (deploy/dagster.prod.yaml)
)


def report_requests(rows: list[Confirmed], digest: str) -> list[dg.RunRequest]:
    """The report packs whose periods hold a newly confirmed month, one run per pack period.

    The local instance runs one run at a time, so these queue behind the measures rebuild.
    """
    requests = {}
    for row in rows:
        month = datetime.fromisoformat(row.period_start).date()
        for kind in calendar.KINDS:
            for period in calendar.periods_containing(kind, month):
                job = f"{JOB_NAMES[kind]}_job"
                requests[(job, period.key)] = dg.RunRequest(
                    run_key=f"officer_input:{digest}:{job}:{period.key}",
                    job_name=job,
                    partition_key=period.key,
                    tags={"bdc/source": "officer_input"},
                )
    return list(requests.values())


@dg.sensor(
    name="officer_input_sensor",
    jobs=[OFFICER_INPUT_JOB, *REPORT_JOBS.values()],
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Confirmed values and commentary in the officer app start a downstream run.",
)
def officer_input_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
    cursor = Cursor.parse(context.cursor) if context.cursor else first_cursor(context.instance)
    rows = confirmed_since(warehouse.url, cursor.newest - OVERLAP)
    new, after = next_step(cursor, rows)
    if after != cursor:
        context.update_cursor(after.dump())
    if not new:
        return dg.SkipReason("No newly confirmed values or commentary in input.*.")
    measures = sorted({f"{row.council_code}:{row.measure_id}" for row in new})
    digest = _digest(row.key for row in new)
    rebuild = dg.RunRequest(
        run_key="officer_input:" + digest,
        job_name=JOB_NAME,
        tags={"bdc/source": "officer_input", "bdc/measures": ",".join(measures)[:1000]},
    )
    return [rebuild, *report_requests(new, digest)]
