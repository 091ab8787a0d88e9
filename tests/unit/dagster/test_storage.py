"""The local Dagster instance keeps Dagster's SQLite files, with the event log's connections
reused instead of opened for every event."""

from collections import Counter
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.event_log import SqliteEventLogStorage
from sqlalchemy import event
from sqlalchemy.engine import Engine

from orchestration.lib import environment
from orchestration.lib.dagster import storage as dagster_storage
from orchestration.lib.library_patches import PatchSkippedWarning

LOG_LINES = 30


@dg.asset
def chatty(context: dg.AssetExecutionContext) -> int:
    for line in range(LOG_LINES):
        context.log.info(f"line {line}")
    return LOG_LINES


def _run_counting_connections(home: Path) -> tuple[str, int, Counter]:
    """(run id, events stored, connections opened to each event log file) of one run."""
    opened = []

    def count(dbapi_connection, _record):
        path = Path(dbapi_connection.execute("pragma database_list").fetchone()[2])
        if path.parent == home / "history" / "runs":  # each run's file and the index
            opened.append(path.name)

    event.listen(Engine, "connect", count)
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            result = dg.materialize([chatty], instance=instance)
            assert result.success
            stored = len(instance.all_logs(result.run_id))
    finally:
        event.remove(Engine, "connect", count)
    return result.run_id, stored, Counter(opened)


def test_local_instance_reuses_the_event_logs_connections(tmp_path, monkeypatch):
    local, default = tmp_path / "local", tmp_path / "default"
    for home in (local, default):
        home.mkdir()
        monkeypatch.setenv("DAGSTER_HOME", str(home))
    (local / "dagster.yaml").write_text((environment.REPO_ROOT / "dagster.yaml").read_text())
    (default / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")

    monkeypatch.setenv("DAGSTER_HOME", str(local))
    with dg.DagsterInstance.from_config(str(local)) as instance:
        assert isinstance(instance.event_log_storage, dagster_storage.LocalEventLogStorage)
    run_id, stored, opened = _run_counting_connections(local)
    monkeypatch.setenv("DAGSTER_HOME", str(default))
    _, default_stored, default_opened = _run_counting_connections(default)

    assert stored == default_stored > LOG_LINES
    assert default_opened.total() >= stored  # Dagster's own storage: one for every event
    assert set(opened) == {f"{run_id}.db", "index.db"}
    assert max(opened.values()) <= 2  # kept open: the writer, and a reader inside its writes

    # Another instance (the webserver, the next run) reads the run from Dagster's own files.
    monkeypatch.setenv("DAGSTER_HOME", str(local))
    assert (local / "history" / "runs" / f"{run_id}.db").exists()
    with dg.DagsterInstance.from_config(str(local)) as other:
        assert len(other.all_logs(run_id)) == stored
        assert other.get_latest_materialization_event(dg.AssetKey("chatty")) is not None


def test_the_event_log_keeps_a_bounded_number_of_files_open(tmp_path):
    storage = dagster_storage.LocalEventLogStorage(str(tmp_path))
    for run in range(dagster_storage.KEPT_ENGINES + 4):
        with storage.run_connection(f"run_{run}") as conn:
            conn.exec_driver_sql("select 1")
    assert len(storage._engines) == dagster_storage.KEPT_ENGINES
    assert "run_0" not in storage._engines and f"run_{run}" in storage._engines
    storage.dispose()


def test_the_pinned_dagster_gets_the_pooled_event_log(tmp_path):
    assert dagster_storage.POOLED_EVENT_LOG.applies()
    storage = dagster_storage.LocalStorage(str(tmp_path))
    assert isinstance(storage.event_log_storage, dagster_storage.LocalEventLogStorage)
    storage.event_log_storage.dispose()


def test_another_dagster_keeps_its_own_event_log(tmp_path):
    """Dagster's internals may differ in another version: its own event log is kept."""
    with pytest.warns(PatchSkippedWarning, match="dagster 1.14.0 is installed"):
        storage = dagster_storage.LocalStorage(str(tmp_path), installed={"dagster": "1.14.0"})
    assert type(storage.event_log_storage) is SqliteEventLogStorage
    with storage.event_log_storage.run_connection("run_0") as conn:
        conn.exec_driver_sql("select 1")
    storage.event_log_storage.dispose()
