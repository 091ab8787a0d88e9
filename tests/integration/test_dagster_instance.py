"""The production dagster.yaml is real: it loads and creates its storage in PostgreSQL."""

import shutil
import uuid
from urllib.parse import urlsplit

import dagster as dg
import pytest

from orchestration.lib import environment, warehouse

pytestmark = pytest.mark.integration


def test_production_instance_config_uses_postgres_storage_and_a_run_queue(
    pg_server, tmp_path, monkeypatch
):
    name = f"dagster_{uuid.uuid4().hex[:8]}"
    url = pg_server.rsplit("/", 1)[0] + f"/{name}"
    warehouse.create_database(url)
    parts = urlsplit(url)
    monkeypatch.setenv("DAGSTER_PG_HOST", parts.hostname)
    monkeypatch.setenv("DAGSTER_PG_PORT", str(parts.port))
    monkeypatch.setenv("DAGSTER_PG_USERNAME", parts.username)
    monkeypatch.setenv("DAGSTER_PG_PASSWORD", parts.password)
    monkeypatch.setenv("DAGSTER_PG_DB", name)
    monkeypatch.setenv("DAGSTER_COMPUTE_LOG_DIR", str(tmp_path / "compute-logs"))
    shutil.copyfile(
        environment.REPO_ROOT / "deploy" / "dagster.prod.yaml", tmp_path / "dagster.yaml"
    )
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.run_coordinator).__name__ == "QueuedRunCoordinator"
        assert type(instance.run_launcher).__name__ == "DefaultRunLauncher"
        assert type(instance.compute_log_manager).__name__ == "LocalComputeLogManager"
        assert instance.get_runs() == []


def test_local_instance_has_telemetry_off():
    text = (environment.REPO_ROOT / "dagster.yaml").read_text()
    assert "telemetry:\n  enabled: false" in text
