"""Materialize assets in-process against the local Dagster instance, with progress."""

import shutil
import uuid
from collections.abc import Callable

import dagster as dg

from orchestration.lib import environment
from orchestration.lib.dagster.selections import EVERYTHING


def prepare_dagster_home() -> None:
    """DAGSTER_HOME holds the instance's dagster.yaml (telemetry off) and its SQLite storage."""
    home = environment.dagster_home()
    home.mkdir(parents=True, exist_ok=True)
    source = environment.REPO_ROOT / "dagster.yaml"
    target = home / "dagster.yaml"
    if not target.exists() or target.read_text() != source.read_text():
        shutil.copyfile(source, target)


def materialize(
    defs: dg.Definitions,
    selection: str | dg.AssetSelection | None = None,
    log_level: str = "INFO",
    on_event: Callable[[dg.EventLogEntry], None] | None = None,
):
    """Run everything of the code location `defs` (or a selection, or a Dagster selection
    string like 'key:raw/crm_contacts+') in-process.

    on_event: called with each of the run's events as it happens (steps starting and
    finishing, materializations, logs), e.g. a progress display (commands/progress.py)."""
    prepare_dagster_home()
    instance = dg.DagsterInstance.get()
    job = defs.resolve_implicit_global_asset_job_def()
    if isinstance(selection, str):
        chosen = dg.AssetSelection.from_string(selection)
    else:
        chosen = selection or EVERYTHING
    # A multi-asset (dbt, the charts) runs whole: take its other assets along.
    keys = list(chosen.required_multi_asset_neighbors().resolve(defs.resolve_asset_graph()))
    if not keys:
        raise ValueError(f"The selection {selection!r} matches no assets.")
    # The run's id is chosen here so that a listener can follow it from its first event.
    run_id = str(uuid.uuid4())
    if on_event is not None:
        instance.add_event_listener(run_id, on_event)
    result = job.execute_in_process(
        instance=instance,
        run_id=run_id,
        asset_selection=keys,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    return result
