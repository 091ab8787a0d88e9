"""The real multi-process deployment, without containers: the tests' PostgreSQL as Dagster's
storage (deploy/dagster.prod.yaml) and as the warehouse; `dagster api grpc`, `dagster-webserver`
and `dagster-daemon run` as separate processes; a file dropped into the landing zone; the
daemon's sensor launches the run; the public page changes; everything stops on SIGTERM.

The harness is the benchmark's (orchestration/bench/deployment.py, which times the same path
as file_to_public_seconds at scale 1).
"""

import signal
import socket
import time
import uuid

import psycopg
import pytest
from psycopg import sql

from orchestration.bench import deployment
from orchestration.lib import warehouse
from orchestration.lib.dagster.processes import Deployment
from orchestration.lib.warehouse import bootstrap
from tests.conftest import ROLE_PASSWORDS

pytestmark = pytest.mark.e2e

SERVICES = {"code-server", "webserver", "daemon"}


@pytest.fixture
def databases(pg_server):
    """A bootstrapped warehouse and an empty database for Dagster's storage; dropped after."""
    names = {kind: f"test_deploy_{kind}_{uuid.uuid4().hex[:8]}" for kind in ("bdc", "dagster")}
    urls = {kind: deployment.database_url(pg_server, name) for kind, name in names.items()}
    for url in urls.values():
        warehouse.create_database(url)
    bootstrap.bootstrap(urls["bdc"], ROLE_PASSWORDS)
    yield urls
    with psycopg.connect(deployment.database_url(pg_server, "postgres"), autocommit=True) as conn:
        for name in names.values():
            conn.execute(
                sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
            )


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_a_landed_file_reaches_the_public_page_through_the_daemon_and_all_stops_cleanly(
    databases, tmp_path
):
    # A short sensor interval keeps the test quick; the benchmark runs the default (15 s).
    env = deployment.process_env(
        databases["bdc"],
        databases["dagster"],
        tmp_path,
        ROLE_PASSWORDS,
        sensor_interval=5,
        settle_seconds=0.5,
    )
    month = deployment.prepare(env, scale=0.02)
    home = tmp_path / "dagster_home"
    instance = (home / "dagster.yaml").read_text()
    assert instance == deployment.processes.PRODUCTION_INSTANCE.read_text()

    processes = Deployment(home, env, tmp_path / "logs")
    try:
        processes.start()
        ports = (processes.grpc_port, processes.web_port)
        assert all(_listening(port) for port in ports)
        # The webserver reads the production instance: run and event storage in PostgreSQL.
        with psycopg.connect(databases["dagster"]) as conn:
            tables = {row[0] for row in conn.execute("select tablename from pg_tables")}
        assert {"runs", "event_logs"} <= tables

        states = deployment.sensors(processes)
        landing = {name for name in states if name.startswith("landing_")}
        assert deployment.SENSOR in landing and len(landing) > 10
        assert {states[name]["status"] for name in landing} == {"RUNNING"}
        deployment.wait_until_every_sensor_has_looked(processes)
        # Every file already in the landing zone was loaded by the build: no sensor starts a
        # run for it (a new deployment does not rebuild once per source).
        by_sensors = [
            run
            for run in deployment.runs(processes)
            if any(tag["key"] == "dagster/sensor_name" for tag in run["tags"])
        ]
        assert by_sensors == []

        figures = deployment.measure(processes, env, month, timeout=420)
    finally:
        stopped = processes.stop()

    # The daemon's sensor launched the ingest job, which succeeded: the one run any sensor
    # started (a schedule falling due meanwhile would be no fault of the deployment's).
    assert figures["sensor"] == deployment.SENSOR
    assert figures["job"] == deployment.JOB and figures["status"] == "SUCCESS"
    by_sensors = [run for run in _runs_in_storage(databases["dagster"]) if run[1]]
    assert by_sensors == [(figures["run_id"], deployment.SENSOR)]
    # The page shows the corrected month's figure: the share of contacts kept, within the
    # rounding of the two shown figures.
    kept = figures["contacts_kept"] / figures["contacts_in_original"]
    before = deployment.Figure(figures["figure_before"], figures["figure_before_period"])
    after = deployment.Figure(figures["figure_after"], figures["figure_period"])
    assert after.period == before.period
    assert after.value == pytest.approx(
        before.value * kept, abs=after.half_step + before.half_step * kept + 1e-9
    )
    assert after.value < before.value
    # The warehouse took the correction in place of the original.
    with psycopg.connect(databases["bdc"]) as conn:
        outcomes = dict(
            conn.execute(
                "select file_name, outcome from audit.loads where source = %s "
                "and file_name like %s",
                (deployment.SOURCE, f"%{month}%"),
            ).fetchall()
        )
    assert outcomes == {
        f"{deployment.SOURCE}_{month}.csv": "superseded",
        figures["file"]: "loaded",
    }
    # The parts of the latency add up to it, each a real interval.
    parts = ("sensor_wait_seconds", "queue_seconds", "launch_seconds", "run_to_page_seconds")
    assert all(figures[part] >= 0 for part in parts), figures
    assert sum(figures[part] for part in parts) == pytest.approx(
        figures["file_to_public_seconds"], abs=0.01
    )

    # SIGTERM stopped each process within the timeout, nothing was killed, nothing was left.
    assert {s.name for s in stopped} == SERVICES
    assert [s for s in stopped if not s.clean] == []
    assert not any(_listening(port) for port in ports)


def _runs_in_storage(url: str) -> list[tuple[str, str]]:
    """(run id, sensor name) of every run, read from Dagster's tables in PostgreSQL."""
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select r.run_id, t.value from runs r left join run_tags t "
            "on t.run_id = r.run_id and t.key = 'dagster/sensor_name'"
        ).fetchall()


def test_stopping_reports_a_process_that_had_to_be_killed_and_what_one_left_behind(tmp_path):
    """What the test above relies on to call a stop clean: a process that ignores SIGTERM is
    killed and said to be, and a process left running in a group is found, killed and named."""
    processes = Deployment(tmp_path / "home", {}, tmp_path / "logs")
    processes.spawn("stubborn", ["bash", "-c", "trap '' TERM; sleep 60"])
    processes.spawn("leaver", ["bash", "-c", "sleep 61 & exit 0"])
    polite = processes.spawn("polite", ["sleep", "62"])
    time.sleep(0.5)  # bash has set its trap

    stopped = {s.name: s for s in processes.stop(timeout=2)}

    assert stopped["polite"].clean and stopped["polite"].returncode == -signal.SIGTERM
    assert stopped["stubborn"].killed and not stopped["stubborn"].clean
    assert not stopped["leaver"].killed and not stopped["leaver"].clean
    assert any("sleep 61" in left for left in stopped["leaver"].leftovers)
    assert processes.services == []
    assert polite.process.poll() is not None
