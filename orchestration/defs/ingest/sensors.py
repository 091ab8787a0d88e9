"""One sensor per landing folder: a new or changed file starts a run of what it affects."""

import json

import dagster as dg

from orchestration.defs.ingest.assets import raw_asset_key
from orchestration.lib import contracts
from orchestration.lib.dagster.selections import rebuild_selection
from orchestration.lib.ingest import landing


def ingest_job_name(source: str) -> str:
    return f"ingest_{source}_job"


def build_ingest_job(source: str):
    return dg.define_asset_job(
        ingest_job_name(source),
        selection=rebuild_selection(dg.AssetSelection.assets(raw_asset_key(source)).downstream()),
        description=f"Load new {source} files and rebuild everything downstream of them.",
    )


def _signature(path) -> str:
    size, mtime = landing.signature(path)
    return f"{path.name}:{size}:{mtime}"


def build_landing_sensor(source: str) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"landing_{source}_sensor",
        job_name=ingest_job_name(source),
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            f"Watches landing/{source}/ for new CSV or XLSX files; starts a run once a file "
            "has stayed the same across two looks."
        ),
    )
    def landing_sensor(context: dg.SensorEvaluationContext):
        # The cursor keeps the signatures already run for, and those seen once: a file is
        # taken up only when the next look finds it unchanged (no half-written files).
        cursor = json.loads(context.cursor) if context.cursor else {}
        if isinstance(cursor, list):  # the cursor of an older version: all already run
            cursor = {"run": cursor, "seen": []}
        done, seen_once = set(cursor.get("run", [])), set(cursor.get("seen", []))
        files, refused = landing.landing_entries(source)
        current = {_signature(path) for path in [*files, *(entry.path for entry in refused)]}
        stable = sorted((current & seen_once) - done)
        context.update_cursor(
            json.dumps({"run": sorted(done & current | set(stable)), "seen": sorted(current)})
        )
        if not stable:
            waiting = len(current - done)
            return dg.SkipReason(
                f"{waiting} file(s) in landing/{source}/ to look at again before loading."
                if waiting
                else f"No new files in landing/{source}/."
            )
        return dg.RunRequest(run_key=f"{source}:{'|'.join(stable)}", tags={"source": source})

    return landing_sensor


def ingest_jobs():
    return [build_ingest_job(source) for source in contracts.all_contracts()]


def landing_sensors() -> list[dg.SensorDefinition]:
    return [build_landing_sensor(source) for source in contracts.all_contracts()]
