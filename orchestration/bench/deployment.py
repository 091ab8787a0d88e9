"""From a landing file to the public page, through the deployed processes: file_to_public_seconds.

The deployment is production's, without containers (orchestration/lib/dagster/processes.py):
the code server, the webserver and the daemon as separate processes, the instance settings of
deploy/dagster.prod.yaml (PostgreSQL storage, the queued run coordinator) in a database of its
own beside the warehouse. `prepare` builds a warehouse from the demo files the way the nightly
run does (everything but the report packs and partner extracts, in-process, recorded in the
deployment's own Dagster storage); `measure` then lands a corrected file for the newest month
of crm_contacts, just after the source's sensor has looked (the longest wait for the sensor),
and times it until the public page of a measure that counts those contacts shows the new
figure. The corrected file takes out every second Bromsgrove leisure contact, so the page's
"Leisure contacts per 1,000 residents" must fall in proportion.

Used by tests/deploy/test_processes.py and `bdc bench` (run.py, at scale 1).
"""

import csv
import io
import os
import re
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from orchestration.defs.ingest import sensors as landing_sensors
from orchestration.lib import environment
from orchestration.lib.dagster import processes
from orchestration.lib.dagster.processes import BIN, Deployment, DeploymentError

SOURCE = "crm_contacts"
SENSOR = f"landing_{SOURCE}_sensor"
JOB = f"ingest_{SOURCE}_job"
COUNCIL = "E07000234"  # Bromsgrove
SERVICE = "leisure"
# The public page of the measure counting those contacts, under BDC_OUTPUT_DIR.
PAGE = Path("site", "bromsgrove", "measures", "ttd_leisure_contacts_per_1000", "index.html")
LATEST = re.compile(
    r"Latest:\s*([0-9][0-9,]*(?:\.[0-9]+)?) per 1,000\s+in\s+([A-Z][a-z]+ [0-9]{4})"
)
# What a file sets off in production: the nightly run's job builds the warehouse first.
BUILD_JOB = "everything_job"
REPOSITORY = "__repository__"  # the name Dagster gives a code location's Definitions

Progress = Callable[[str], None]

RUNS = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter) {
    __typename
    ... on Runs {
      results { runId jobName status creationTime startTime endTime tags { key value } }
    }
    ... on PythonError { message }
  }
}
"""
TICKS = """
query Ticks($selector: SensorSelector!) {
  sensorOrError(sensorSelector: $selector) {
    __typename
    ... on Sensor {
      minIntervalSeconds
      sensorState { status ticks(limit: 5) { timestamp status runIds skipReason } }
    }
    ... on PythonError { message }
  }
}
"""
SENSORS = """
query Sensors($selector: RepositorySelector!) {
  sensorsOrError(repositorySelector: $selector) {
    __typename
    ... on Sensors { results { name sensorState { status ticks(limit: 1) { timestamp } } } }
    ... on PythonError { message }
  }
}
"""
EVENTS = """
query Events($runId: ID!) {
  logsForRun(runId: $runId) {
    __typename
    ... on EventConnection {
      events {
        __typename
        ... on MessageEvent { timestamp message }
        ... on ErrorEvent { error { message } }
      }
    }
    ... on PythonError { message }
  }
}
"""


class MeasureError(RuntimeError):
    """The file did not reach the public page: which step stopped, and the logs to read."""


@dataclass(frozen=True)
class Figure:
    """A measure page's latest figure as shown: the number and its month."""

    text: str
    period: str

    @property
    def value(self) -> float:
        return float(self.text.replace(",", ""))

    @property
    def half_step(self) -> float:
        """Half the last shown digit's unit: how far the shown figure may be from the true."""
        decimals = len(self.text.split(".", 1)[1]) if "." in self.text else 0
        return 0.5 * 10**-decimals


def latest_figure(page: Path) -> Figure | None:
    """The page's latest figure, or None while the page is missing or being replaced."""
    try:
        text = page.read_text(encoding="utf-8")
    except (FileNotFoundError, UnicodeDecodeError):
        return None
    found = LATEST.search(re.sub(r"<[^>]+>", " ", text))
    return Figure(found.group(1), found.group(2)) if found else None


# --- preparing a deployment ---------------------------------------------------------------------


def database_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def dagster_storage_env(url: str) -> dict[str, str]:
    """The DAGSTER_PG_* variables deploy/dagster.prod.yaml reads, from one database URL."""
    parts = environment.postgres_parts(url)
    names = {"USER": "USERNAME", "DATABASE": "DB"}  # the names Dagster's own examples use
    return {f"DAGSTER_PG_{names.get(key, key)}": value for key, value in parts.items()}


def process_env(
    warehouse_url: str,
    dagster_url: str,
    work: Path,
    passwords: dict[str, str],
    sensor_interval: int | None = None,
    settle_seconds: float | None = None,
) -> dict[str, str]:
    """The environment of every process of the deployment: the warehouse (and dbt's profile),
    the Dagster storage, this deployment's own landing zone, outputs, Dagster home and captured
    run output, and telemetry off. Sensor interval and settle time: the production defaults
    unless given."""
    env = {**os.environ, **environment.dbt_env(warehouse_url), **dagster_storage_env(dagster_url)}
    env.update({f"BDC_{role.upper()}_PASSWORD": password for role, password in passwords.items()})
    env.update(
        {
            environment.WAREHOUSE_URL_VAR: warehouse_url,
            "BDC_LANDING_DIR": str(work / "landing"),
            "BDC_OUTPUT_DIR": str(work / "build"),
            "DAGSTER_HOME": str(work / "dagster_home"),
            "DAGSTER_COMPUTE_LOG_DIR": str(work / "dagster_home" / "compute_logs"),
            "DAGSTER_DISABLE_TELEMETRY": "true",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "GX_ANALYTICS_ENABLED": "false",
            "PYTHONWARNINGS": environment.KNOWN_WARNINGS,
        }
    )
    for name, value in (
        (landing_sensors.INTERVAL_VAR, sensor_interval),
        ("BDC_LANDING_SETTLE_SECONDS", settle_seconds),
    ):
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    return env


def prepare(
    env: dict[str, str],
    scale: float,
    progress: Progress = lambda line: None,
    log_dir: Path | None = None,
) -> str:
    """Demo files up to the latest month due, the demo officers' entries, and a warehouse built
    by the nightly run's job in-process against the deployment's instance (so its storage
    holds the build, as in production). The warehouse is bootstrapped and the Dagster storage
    database exists, empty. The build's log goes to log_dir (default: DAGSTER_HOME). Returns
    the newest month (YYYY-MM)."""
    from orchestration import demo
    from orchestration.demo import officer_entries
    from orchestration.lib import dbt, demonstration
    from orchestration.lib.quality import freshness

    url = env[environment.WAREHOUSE_URL_VAR]
    home = Path(env["DAGSTER_HOME"])
    month = freshness.latest_due_month()
    progress(f"demo files at scale {scale:g} up to {month}")
    demo.generate(
        Path(env["BDC_LANDING_DIR"]),
        scale=scale,
        last_month=month,
        reference_dir=environment.reference_dir(),
    )
    officer_entries.seed(url, month, demo.DEFAULT_SEED)
    demonstration.mark(url)
    dbt.prepare_manifest(env=environment.dbt_env(url))
    processes.write_instance(home)
    progress(f"building the warehouse ({BUILD_JOB}, in-process, the deployment's instance)")
    log = (log_dir or home) / "build.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as handle:
        built = subprocess.run(
            [
                str(BIN / "dagster"),
                "job",
                "execute",
                "--module-name",
                processes.DEFINITIONS_MODULE,
                "--job",
                BUILD_JOB,
            ],
            env={**env, "DAGSTER_DISABLE_TELEMETRY": "true"},
            cwd=environment.REPO_ROOT,
            stdout=handle,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if built.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
        raise MeasureError(f"Building the warehouse failed (exit {built.returncode}):\n{tail}")
    return month


# --- the corrected file -------------------------------------------------------------------------


@dataclass(frozen=True)
class Correction:
    name: str
    content: bytes
    matching: int  # Bromsgrove leisure contacts in the original
    kept: int  # and in the correction


def correction_of(original: Path) -> Correction:
    """The original month's file less every second Bromsgrove leisure contact."""
    with original.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    council, service = header.index("council_code"), header.index("service")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    matching = kept = 0
    for row in body:
        if row[council] == COUNCIL and row[service] == SERVICE:
            matching += 1
            if matching % 2 == 0:
                continue
            kept += 1
        writer.writerow(row)
    if matching < 2:
        raise MeasureError(
            f"{original.name} has {matching} Bromsgrove leisure contact(s): too few to correct; "
            "use a larger demo scale"
        )
    name = f"{original.stem}_corrected{original.suffix}"
    return Correction(name, out.getvalue().encode("utf-8"), matching, kept)


def land(folder: Path, name: str, content: bytes) -> float:
    """Send a file as docs/landing.md asks: written under a temporary name, then renamed into
    place in one step. Returns the time it arrived (epoch seconds)."""
    temporary = folder / f"{name}.part"
    with temporary.open("wb") as handle:
        handle.write(content)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, folder / name)
    return time.time()


# --- asking the deployment ----------------------------------------------------------------------


def _selector(sensor: str) -> dict:
    return {
        "repositoryLocationName": processes.LOCATION,
        "repositoryName": REPOSITORY,
        "sensorName": sensor,
    }


def _answer(data: dict, field: str, typename: str) -> dict:
    answer = data[field]
    if answer["__typename"] != typename:
        raise DeploymentError(f"{field}: {answer.get('message', answer['__typename'])}")
    return answer


def runs(deployment: Deployment, tags: dict[str, str] | None = None) -> list[dict]:
    """Every run of the instance (with these tags), newest first."""
    run_filter = {"tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}
    data = deployment.graphql(RUNS, {"filter": run_filter})
    return _answer(data, "runsOrError", "Runs")["results"]


def sensor_state(deployment: Deployment, sensor: str) -> dict:
    data = deployment.graphql(TICKS, {"selector": _selector(sensor)})
    return _answer(data, "sensorOrError", "Sensor")


def sensors(deployment: Deployment) -> dict[str, dict]:
    """Every sensor's state by name: its status and its latest tick (if any)."""
    selector = {"repositoryLocationName": processes.LOCATION, "repositoryName": REPOSITORY}
    data = deployment.graphql(SENSORS, {"selector": selector})
    results = _answer(data, "sensorsOrError", "Sensors")["results"]
    return {sensor["name"]: sensor["sensorState"] for sensor in results}


def _events(deployment: Deployment, run_id: str) -> list[dict]:
    data = deployment.graphql(EVENTS, {"runId": run_id})
    return _answer(data, "logsForRun", "EventConnection")["events"]


def run_events(deployment: Deployment, run_id: str) -> dict[str, float]:
    """The first time (epoch seconds) of each kind of event of a run (RunStartEvent, ...)."""
    first: dict[str, float] = {}
    for event in _events(deployment, run_id):
        if event.get("timestamp"):
            first.setdefault(event["__typename"], int(event["timestamp"]) / 1000)
    return first


def failure_story(deployment: Deployment, run_id: str, count: int = 8) -> str:
    """The last events of a failed run, with their errors: what to read first."""
    lines = []
    for event in _events(deployment, run_id)[-count:]:
        error = (event.get("error") or {}).get("message", "")
        lines.append(f"  {event['__typename']}: {event.get('message', '')} {error}".rstrip())
    return "\n".join(lines)


def wait_until_every_sensor_has_looked(deployment: Deployment, timeout: float = 300.0) -> None:
    """Each sensor running and evaluated at least once: what was already in the landing zone
    has been seen (and, being loaded before, has started nothing)."""
    deadline = time.monotonic() + timeout
    while True:
        states = sensors(deployment)
        waiting = sorted(
            name
            for name, state in states.items()
            if not state["ticks"] or state["status"] != "RUNNING"
        )
        if not waiting:
            return
        if time.monotonic() > deadline:
            raise MeasureError(f"These sensors had not looked within {timeout:.0f} s: {waiting}")
        time.sleep(1)


def _latest_tick(deployment: Deployment, sensor: str) -> tuple[float, str]:
    ticks = sensor_state(deployment, sensor)["sensorState"]["ticks"]
    latest = max(ticks, key=lambda tick: tick["timestamp"], default=None)
    return (latest["timestamp"], latest["status"]) if latest else (0.0, "")


def wait_for_next_look(deployment: Deployment, sensor: str, timeout: float = 300.0) -> float:
    """Wait for the sensor's next look to finish; returns when it began (epoch seconds). A
    tick is listed from its start, while the sensor is still looking: a file landed then could
    still be seen by it."""
    before, _ = _latest_tick(deployment, sensor)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        time.sleep(0.2)
        latest, status = _latest_tick(deployment, sensor)
        if latest > before and status != "STARTED":
            return latest
    raise MeasureError(f"{sensor} did not look within {timeout:.0f} s")


# --- the measurement ----------------------------------------------------------------------------


def measure(
    deployment: Deployment,
    env: dict[str, str],
    month: str,
    timeout: float = 600.0,
    progress: Progress = lambda line: None,
) -> dict:
    """Land the corrected file for `month` just after the sensor's look and time it to the
    public page. Returns file_to_public_seconds and its parts, the run, and the figures."""
    landing = Path(env["BDC_LANDING_DIR"]) / SOURCE
    page = Path(env["BDC_OUTPUT_DIR"]) / PAGE
    before = latest_figure(page)
    if before is None:
        raise MeasureError(f"The page {page} shows no latest figure before the file lands")
    correction = correction_of(landing / f"{SOURCE}_{month}.csv")
    earlier = {run["runId"] for run in runs(deployment)}
    busy = [r for r in runs(deployment) if r["status"] not in ("SUCCESS", "FAILURE", "CANCELED")]
    if busy:
        raise MeasureError(
            "Runs were already queued or going before the file landed, so the measurement "
            f"would include waiting for them: {[(r['jobName'], r['status']) for r in busy]}"
        )

    # What the deployment costs while nothing arrives: every sensor looking at its folder at
    # its interval. Two intervals of the CPU of the code server, webserver and daemon.
    interval = int(env.get(landing_sensors.INTERVAL_VAR, landing_sensors.DEFAULT_INTERVAL_SECONDS))
    progress(f"measuring the CPU of the idle deployment for {2 * interval} s")
    cpu_before, idle_started = deployment.cpu_seconds(), time.monotonic()
    time.sleep(2 * interval)
    idle_cpu = {
        name: seconds - cpu_before.get(name, 0.0)
        for name, seconds in deployment.cpu_seconds().items()
    }
    idle_share = sum(idle_cpu.values()) / (time.monotonic() - idle_started)

    progress(f"waiting for {SENSOR} to look, to land the file just after")
    looked = wait_for_next_look(deployment, SENSOR)
    landed = land(landing, correction.name, correction.content)
    progress(f"landed {correction.name}; waiting for the public page to change")

    deadline = time.monotonic() + timeout
    after = run = None
    next_poll = 0.0
    while time.monotonic() < deadline:
        figure = latest_figure(page)
        if figure is not None and figure != before:
            changed = time.time()
            after = figure
            break
        if time.monotonic() >= next_poll:
            next_poll = time.monotonic() + 1.0
            run = _sensor_run(deployment, earlier)
            if run and run["status"] in ("FAILURE", "CANCELED"):
                raise MeasureError(
                    f"The run {run['runId']} ({run['jobName']}) ended {run['status']}; its last "
                    f"events:\n{failure_story(deployment, run['runId'])}\nLogs: "
                    f"{deployment.log_dir}"
                )
        time.sleep(0.1)
    if after is None:
        raise MeasureError(
            f"The page {PAGE} still showed {before.text} per 1,000 {timeout:.0f} s after the "
            f"file landed (run: {run and run['status']}); logs in {deployment.log_dir}"
        )

    run = _wait_for_end(deployment, earlier, deadline)
    # Runs something else started meanwhile (a schedule falling due): they share the machine.
    others = [r for r in runs(deployment) if r["runId"] not in earlier | {run["runId"]}]
    events = run_events(deployment, run["runId"])
    tags = {tag["key"]: tag["value"] for tag in run["tags"]}
    ticks = sensor_state(deployment, SENSOR)["sensorState"]["ticks"]
    requested = [tick["timestamp"] for tick in ticks if run["runId"] in tick["runIds"]]
    created = run["creationTime"]
    dequeued = events.get("RunDequeuedEvent") or events.get("RunStartingEvent") or created
    started = events.get("RunStartEvent") or run["startTime"]
    return {
        "file_to_public_seconds": round(changed - landed, 3),
        # The parts, in order: they add up to file_to_public_seconds.
        "sensor_wait_seconds": round(created - landed, 3),
        "queue_seconds": round(dequeued - created, 3),
        "launch_seconds": round(started - dequeued, 3),
        "run_to_page_seconds": round(changed - started, 3),
        # Beside them: the sensor's look that saw the file, and the whole run.
        "landed_after_look_seconds": round(landed - looked, 3),
        "sensor_look_after_landing_seconds": round(requested[0] - landed, 3) if requested else None,
        "run_seconds": round(run["endTime"] - run["startTime"], 3),
        "sensor_interval_seconds": interval,
        # CPU seconds per second of the three processes while idle (1.0: one core's worth).
        "idle_cpu_share": round(idle_share, 4),
        "idle_cpu_seconds": {name: round(seconds, 2) for name, seconds in idle_cpu.items()},
        # unset: landing.settle_seconds()'s default
        "settle_seconds": float(env.get("BDC_LANDING_SETTLE_SECONDS", "2")),
        "run_id": run["runId"],
        "job": run["jobName"],
        "status": run["status"],
        "sensor": tags.get("dagster/sensor_name"),
        "other_runs": len(others),
        "file": correction.name,
        "contacts_in_original": correction.matching,
        "contacts_kept": correction.kept,
        "figure_before": before.text,
        "figure_after": after.text,
        "figure_period": after.period,
        "figure_before_period": before.period,
    }


def _sensor_run(deployment: Deployment, earlier: set[str]) -> dict | None:
    """The first run the source's sensor launched since `earlier`, if any yet."""
    launched = [
        run
        for run in runs(deployment, {"dagster/sensor_name": SENSOR})
        if run["runId"] not in earlier
    ]
    return launched[-1] if launched else None  # the oldest: runs are listed newest first


def _wait_for_end(deployment: Deployment, earlier: set[str], deadline: float) -> dict:
    while time.monotonic() < deadline:
        run = _sensor_run(deployment, earlier)
        if run and run["status"] in ("SUCCESS", "FAILURE", "CANCELED"):
            return run
        time.sleep(0.5)
    raise MeasureError("The sensor's run did not end in time; see the webserver")


def file_to_public(
    server_url: str,
    work: Path,
    passwords: dict[str, str],
    scale: float = 1.0,
    progress: Progress = lambda line: None,
    log_dir: Path | None = None,
    sensor_interval: int | None = None,
) -> dict:
    """The benchmark's whole measurement on a PostgreSQL server: two new databases (warehouse,
    Dagster storage), a built warehouse, the deployment started, one file landed and timed, the
    deployment stopped. Raises MeasureError if a process had to be killed or left anything.
    The processes' and the build's logs go to log_dir (default: work/logs)."""
    from orchestration.lib import warehouse
    from orchestration.lib.warehouse import bootstrap

    warehouse_url = database_url(server_url, "deploy_warehouse")
    dagster_url = database_url(server_url, "deploy_dagster")
    warehouse.create_database(warehouse_url)
    bootstrap.bootstrap(warehouse_url, passwords)
    warehouse.create_database(dagster_url)
    env = process_env(warehouse_url, dagster_url, work, passwords, sensor_interval)
    log_dir = log_dir or work / "logs"
    started = time.perf_counter()
    month = prepare(env, scale, progress, log_dir)
    build_seconds = time.perf_counter() - started
    deployment = Deployment(Path(env["DAGSTER_HOME"]), env, log_dir)
    progress("starting the code server, webserver and daemon")
    started = time.perf_counter()
    try:
        deployment.start()
        start_seconds = time.perf_counter() - started
        wait_until_every_sensor_has_looked(deployment)
        figures = measure(deployment, env, month, progress=progress)
    finally:
        stopped = deployment.stop()
    unclean = [s for s in stopped if not s.clean]
    if unclean:
        raise MeasureError(
            "Not every process stopped cleanly on SIGTERM: "
            + "; ".join(f"{s.name} killed={s.killed} left {s.leftovers}" for s in unclean)
        )
    return {
        **figures,
        "scale": scale,
        "build_seconds": round(build_seconds, 3),
        "start_seconds": round(start_seconds, 3),
        "stop_seconds": {s.name: round(s.seconds, 3) for s in stopped},
    }
