"""One sensor per landing folder: a new or changed file starts a run of what it affects."""

import json

import dagster as dg

from orchestration.defs.ingest.assets import raw_asset_key
from orchestration.defs.schedules import rebuild_selection
from orchestration.lib import contracts, loaders


def ingest_job_name(source: str) -> str:
    return f"ingest_{source}_job"


def build_ingest_job(source: str):
    return dg.define_asset_job(
        ingest_job_name(source),
        selection=rebuild_selection(dg.AssetSelection.assets(raw_asset_key(source)).downstream()),
        description=f"Load new {source} files and rebuild everything downstream of them.",
    )


def _signature(path) -> str:
    stat = path.stat()
    return f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"


def build_landing_sensor(source: str) -> dg.SensorDefinition:
    @dg.sensor(
        name=f"landing_{source}_sensor",
        job_name=ingest_job_name(source),
        minimum_interval_seconds=30,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=f"Watches landing/{source}/ for new CSV or XLSX files.",
    )
    def landing_sensor(context: dg.SensorEvaluationContext):
        seen = set(json.loads(context.cursor)) if context.cursor else set()
        current = {_signature(path) for path in loaders.pending_files(source)}
        new = sorted(current - seen)
        if not new:
            return dg.SkipReason(f"No new files in landing/{source}/.")
        context.update_cursor(json.dumps(sorted(current)))
        return dg.RunRequest(run_key=f"{source}:{'|'.join(new)}", tags={"source": source})

    return landing_sensor


def ingest_jobs():
    return [build_ingest_job(source) for source in contracts.all_contracts()]


def landing_sensors() -> list[dg.SensorDefinition]:
    return [build_landing_sensor(source) for source in contracts.all_contracts()]
