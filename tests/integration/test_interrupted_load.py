"""A load interrupted part-way leaves no partial batch, and running it again completes it."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from orchestration.lib import warehouse
from orchestration.lib.ingest import loaders

pytestmark = pytest.mark.integration

ROWS = 400_000


def _big_contacts_file(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "crm_contacts_2024-01.csv"
    header = (
        "contact_id,council_code,received_at,channel,service,demand_type,failure_type,uprn,"
        "resolved_at_first_point,team\n"
    )
    with path.open("w") as handle:
        handle.write(header)
        for n in range(ROWS):
            day = 1 + n % 28
            handle.write(
                f"CRM-BIG-{n:07d},E07000234,2024-01-{day:02d} 10:00:00,phone,waste,failure,"
                f"chasing_progress,,false,customer_services\n"
            )
    return path


def _wait_for_copy(url: str, database: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    with psycopg.connect(url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            row = conn.execute(
                "select 1 from pg_stat_activity where datname = %s and query ilike 'copy%%'",
                (database,),
            ).fetchone()
            if row:
                return
            time.sleep(0.02)
    raise AssertionError("the COPY never started")


def _state(url: str) -> tuple[int, list[str]]:
    with psycopg.connect(url) as conn:
        exists = conn.execute("select to_regclass('raw.crm_contacts')").fetchone()[0]
        rows = conn.execute("select count(*) from raw.crm_contacts").fetchone()[0] if exists else 0
        outcomes = [r[0] for r in conn.execute("select outcome from audit.loads order by 1")]
    return rows, outcomes


def _start_ingest(url: str, path: Path) -> subprocess.Popen:
    env = {**os.environ, "BDC_WAREHOUSE_URL": url}
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "bdc"), "ingest", str(path)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killing_the_loader_mid_copy_leaves_nothing_and_a_rerun_completes(activated, workspace):
    path = _big_contacts_file(workspace["landing"] / "crm_contacts")
    database = activated.rsplit("/", 1)[1]
    process = _start_ingest(activated, path)
    _wait_for_copy(activated, database)
    process.send_signal(signal.SIGKILL)
    process.wait()
    time.sleep(0.5)  # the server notices the dropped connection and rolls back
    assert _state(activated) == (0, [])

    result = loaders.ingest_file(activated, path)
    assert result.outcome == "loaded"
    assert _state(activated) == (ROWS, ["loaded"])


def test_a_database_restart_mid_copy_leaves_nothing_and_a_rerun_completes(
    activated, workspace, pg_server
):
    if os.environ.get("BDC_TEST_WAREHOUSE_URL"):
        pytest.skip("restarting needs the private test cluster, not an external server")
    path = _big_contacts_file(workspace["landing"] / "crm_contacts")
    database = activated.rsplit("/", 1)[1]
    with psycopg.connect(activated) as conn:
        data_dir = conn.execute("show data_directory").fetchone()[0]
    cluster = warehouse.Cluster(Path(data_dir).parent)
    process = _start_ingest(activated, path)
    _wait_for_copy(activated, database)
    warehouse.stop(cluster)
    warehouse.start(cluster, durable=False)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode != 0
    assert _state(activated) == (0, [])

    result = loaders.ingest_file(activated, path)
    assert result.outcome == "loaded"
    assert _state(activated) == (ROWS, ["loaded"])
