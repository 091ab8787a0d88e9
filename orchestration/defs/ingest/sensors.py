"""One sensor per landing folder: a new or changed file starts a run of what it affects.

Each sensor looks at its folder every BDC_SENSOR_INTERVAL_SECONDS (default 15). A file is taken
up on the first look that finds it unchanged for the settle time (BDC_LANDING_SETTLE_SECONDS,
orchestration/lib/ingest/landing.py), unless its content has been loaded, superseded,
withdrawn or refused before: a new deployment, or one whose Dagster storage was replaced, does
not rebuild everything once per source for files already in the warehouse.
"""

import json
import os
import time

import dagster as dg
import psycopg

from orchestration.defs.ingest.assets import raw_asset_key
from orchestration.lib import contracts, storage
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.dagster.selections import rebuild_selection
from orchestration.lib.ingest import landing
from orchestration.lib.ingest.load_audit import seen_checksums

INTERVAL_VAR = "BDC_SENSOR_INTERVAL_SECONDS"
# A file waits up to one interval (and the daemon's own loop, up to 5 s more) before its run is
# queued; 15 s leaves the run room to make a landed file public within a minute at scale 1
# (docs/benchmarks.md). A shorter interval costs the daemon and code server more CPU between
# files (the benchmark's idle_cpu_share).
DEFAULT_INTERVAL_SECONDS = 15


def interval_seconds() -> int:
    """How often each landing sensor looks at its folder, in whole seconds."""
    text = os.environ.get(INTERVAL_VAR, str(DEFAULT_INTERVAL_SECONDS))
    try:
        seconds = int(text)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise ValueError(
            f"{INTERVAL_VAR} is {text!r}: give a whole number of seconds of at least 1 "
            f"(the default is {DEFAULT_INTERVAL_SECONDS})"
        )
    return seconds


def ingest_job_name(source: str) -> str:
    return f"ingest_{source}_job"


def build_ingest_job(source: str):
    return dg.define_asset_job(
        ingest_job_name(source),
        selection=rebuild_selection(dg.AssetSelection.assets(raw_asset_key(source)).downstream()),
        description=f"Load new {source} files and rebuild everything downstream of them.",
        tags={"bdc/run": "rebuild"},  # one rebuild or pack run at a time (deploy/dagster.prod.yaml)
    )


def _signature(path) -> tuple[str, int]:
    """The entry's name, size and modification time as one text, and the time (ns)."""
    size, mtime = landing.signature(path)
    return f"{path.name}:{size}:{mtime}", mtime


def _already_in(url: str, source: str, paths: dict) -> set[str]:
    """The signatures (of `paths`, signature -> path) whose content a run would not load again:
    loaded, superseded, withdrawn or refused before."""
    if not paths:
        return set()
    digests = {}
    for key, path in paths.items():
        try:
            digests[key] = storage.sha256(path)
        except FileNotFoundError:
            continue  # gone since the listing (renamed into place under another name)
    with psycopg.connect(url) as conn:
        seen = seen_checksums(conn, source, list(digests.values()))
    return {key for key, digest in digests.items() if digest in seen}


def _handled(cursor: str | None) -> set[str]:
    """The signatures already dealt with. Older cursors: a list (all run), or a dict whose
    "run" list was run and whose "seen" list (files seen once, not yet run) needs no memory now."""
    data = json.loads(cursor) if cursor else []
    return set(data.get("run", []) if isinstance(data, dict) else data)


def build_landing_sensor(source: str) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"landing_{source}_sensor",
        job_name=ingest_job_name(source),
        minimum_interval_seconds=interval_seconds(),
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Watches landing/{source}/ for new CSV or XLSX files; starts a run once a file "
            "has stayed the same for the settle time and holds content not loaded before."
        ),
    )
    def landing_sensor(context: dg.SensorEvaluationContext, warehouse: WarehouseResource):
        done = _handled(context.cursor)
        files, refused = landing.landing_entries(source)
        # Complete on one look: unchanged for the settle time. A second look a sensor interval
        # later would add that interval to every file's wait and guard against nothing more:
        # the run checks again before it reads (landing.complete_files, two looks the settle
        # time apart, the same rule as `bdc run` and the nightly run), and a file that changes
        # while it is read is left for the next run. A sender that pauses mid-file for longer
        # than the settle time should send under a temporary name and rename (docs/landing.md),
        # or the settle time be raised. An object store lists an upload only once it is whole
        # (a multipart upload in progress is no object), and its clock is not ours: an object
        # is ready when listed.
        settled_before = time.time_ns() - landing.settle_seconds() * 1e9
        current, ready, waiting = set(), {}, 0
        for path in files:
            key, mtime = _signature(path)
            current.add(key)
            if key in done:
                continue
            if mtime <= settled_before or not storage.is_local(path):
                ready[key] = path
            else:
                waiting += 1
        # Links and paths leading elsewhere are never read: the run refuses them at once.
        refusals = {_signature(entry.path)[0] for entry in refused}
        current |= refusals
        old = _already_in(warehouse.url, source, ready)
        context.update_cursor(json.dumps({"run": sorted((done & current) | set(ready) | refusals)}))
        to_run = sorted((set(ready) - old) | (refusals - done))
        if not to_run:
            if waiting:
                return dg.SkipReason(
                    f"{waiting} file(s) in landing/{source}/ still changing; looking again later."
                )
            if old:
                return dg.SkipReason(
                    f"{len(old)} file(s) in landing/{source}/ hold content loaded before; "
                    "no run needed."
                )
            return dg.SkipReason(f"No new files in landing/{source}/.")
        return dg.RunRequest(run_key=f"{source}:{'|'.join(to_run)}", tags={"source": source})

    return landing_sensor


def ingest_jobs():
    return [build_ingest_job(source) for source in contracts.all_contracts()]


def landing_sensors() -> list[dg.SensorDefinition]:
    return [build_landing_sensor(source) for source in contracts.all_contracts()]
