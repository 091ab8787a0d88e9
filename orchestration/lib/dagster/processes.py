"""Dagster as production runs it, without containers: the code server, the webserver and the
daemon as three processes sharing one instance (DAGSTER_HOME's dagster.yaml).

    deployment = Deployment(home, env, logs)
    deployment.start()          # code server, then webserver and daemon; waits until healthy
    deployment.graphql(QUERY)   # the webserver's GraphQL API
    stopped = deployment.stop() # SIGTERM each, then look for anything left behind

The commands are the installed `dagster api grpc`, `dagster-webserver` and `dagster-daemon run`
of this Python environment, on 127.0.0.1 and free ports. The webserver and the daemon find the
code server through deploy/workspace.yaml (DAGSTER_CODE_SERVER_HOST and _PORT); the instance
is deploy/dagster.prod.yaml's, with DAGSTER_PG_* from the caller and the runs' captured output
under DAGSTER_HOME/compute_logs unless DAGSTER_COMPUTE_LOG_DIR says otherwise. Each process
leads its own process group, so whatever it started (run workers, dbt) can be found and
accounted for when it stops.
Used by tests/deploy/test_processes.py and the benchmark (orchestration/bench/deployment.py).
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib import environment

BIN = Path(sys.executable).parent
HOST = "127.0.0.1"
LOCATION = "bdc"
DEFINITIONS_MODULE = "orchestration.definitions"
PRODUCTION_INSTANCE = environment.REPO_ROOT / "deploy" / "dagster.prod.yaml"
PRODUCTION_WORKSPACE = environment.REPO_ROOT / "deploy" / "workspace.yaml"

DAEMON_HEALTH = """
query { instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } } }
"""


class DeploymentError(RuntimeError):
    """A process would not start, or did not answer in time."""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def write_instance(home: Path, source: Path = PRODUCTION_INSTANCE) -> Path:
    """DAGSTER_HOME with the production instance settings as its dagster.yaml."""
    home.mkdir(parents=True, exist_ok=True)
    target = home / "dagster.yaml"
    target.write_text(source.read_text())
    return target


def _group_members(pgid: int) -> list[int]:
    """The live processes of a process group, from /proc (Linux)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...: comm may hold spaces, so split after its ")".
        fields = stat.rsplit(")", 1)[1].split()
        if fields[0] != "Z" and int(fields[2]) == pgid:
            members.append(int(entry.name))
    return members


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used itself (not its children), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


@dataclass
class Service:
    name: str
    command: list[str]
    log: Path
    process: subprocess.Popen | None = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Stopped:
    """How one process ended: its exit code, how long it took after SIGTERM, whether it had
    to be killed, and the processes of its group it left running (then killed)."""

    name: str
    returncode: int | None
    seconds: float
    killed: bool
    leftovers: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.killed and not self.leftovers


class Deployment:
    """The code server, webserver and daemon of one Dagster instance, started and stopped."""

    def __init__(self, home: Path, env: Mapping[str, str], log_dir: Path):
        self.home = Path(home)
        self.log_dir = Path(log_dir)
        self.grpc_port = free_port()
        self.web_port = free_port()
        self.env = {
            "DAGSTER_COMPUTE_LOG_DIR": str(self.home / "compute_logs"),
            **env,
            "DAGSTER_HOME": str(self.home),
            "DAGSTER_CODE_SERVER_HOST": HOST,
            "DAGSTER_CODE_SERVER_PORT": str(self.grpc_port),
            "DAGSTER_DISABLE_TELEMETRY": "true",
            "PYTHONUNBUFFERED": "1",
        }
        self.workspace = PRODUCTION_WORKSPACE
        self.services: list[Service] = []

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.web_port}"

    # --- starting ---------------------------------------------------------------------------

    def spawn(self, name: str, command: list[str]) -> Service:
        """Start one process of the deployment (its own process group, its log in log_dir);
        `stop` stops it with the others."""
        self.log_dir.mkdir(parents=True, exist_ok=True)
        service = Service(name, command, self.log_dir / f"{name}.log")
        with service.log.open("ab") as log:
            service.process = subprocess.Popen(
                command,
                env=self.env,
                cwd=environment.REPO_ROOT,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: its children are findable
            )
        self.services.append(service)
        return service

    def _wait(self, service: Service, ready, what: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not service.running:
                raise DeploymentError(
                    f"The {service.name} exited (code {service.process.returncode}) before "
                    f"{what}. Its log ({service.log}) ends:\n{service.log_tail()}"
                )
            if ready():
                return
            time.sleep(0.5)
        raise DeploymentError(
            f"The {service.name} did not report {what} within {timeout:.0f} s. Its log "
            f"({service.log}) ends:\n{service.log_tail()}"
        )

    def _code_server_serving(self) -> bool:
        check = subprocess.run(
            [str(BIN / "dagster"), "api", "grpc-health-check", "--host", HOST, "--port"]
            + [str(self.grpc_port)],
            env=self.env,
            capture_output=True,
            check=False,
        )
        return check.returncode == 0

    def _webserver_answers(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/server_info", timeout=5) as response:
                return response.status == 200 and "dagster_webserver_version" in json.load(response)
        except (OSError, ValueError):
            return False

    def _daemons_healthy(self) -> bool:
        try:
            statuses = self.graphql(DAEMON_HEALTH)["instance"]["daemonHealth"]
        except (OSError, DeploymentError):
            return False
        required = [s for s in statuses["allDaemonStatuses"] if s["required"]]
        return bool(required) and all(s["healthy"] for s in required)

    def start(self, timeout: float = 300.0) -> None:
        """Start the three processes in order and wait until each is healthy; on failure,
        stop whatever did start and raise DeploymentError with the failing process's log."""
        try:
            code_server = self.spawn(
                "code-server",
                [
                    str(BIN / "dagster"),
                    "api",
                    "grpc",
                    "--module-name",
                    DEFINITIONS_MODULE,
                    "--working-directory",
                    str(environment.REPO_ROOT),
                    "--location-name",
                    LOCATION,
                    "--host",
                    HOST,
                    "--port",
                    str(self.grpc_port),
                ],
            )
            self._wait(code_server, self._code_server_serving, "serving", timeout)
            webserver = self.spawn(
                "webserver",
                [
                    str(BIN / "dagster-webserver"),
                    "--host",
                    HOST,
                    "--port",
                    str(self.web_port),
                    "--workspace",
                    str(self.workspace),
                ],
            )
            daemon = self.spawn(
                "daemon", [str(BIN / "dagster-daemon"), "run", "--workspace", str(self.workspace)]
            )
            self._wait(webserver, self._webserver_answers, "its server information", timeout)
            self._wait(daemon, self._daemons_healthy, "every daemon healthy", timeout)
        except BaseException:
            self.stop()
            raise

    # --- talking to it ----------------------------------------------------------------------

    def graphql(self, query: str, variables: Mapping | None = None) -> dict:
        """The data of one GraphQL query to the webserver; its errors raise DeploymentError."""
        body = json.dumps({"query": query, "variables": dict(variables or {})}).encode()
        request = urllib.request.Request(
            f"{self.url}/graphql", data=body, headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as error:
            raise DeploymentError(
                f"GraphQL answered {error.code}: {error.read()[:500]!r}"
            ) from error
        if answer.get("errors"):
            raise DeploymentError(f"GraphQL errors: {answer['errors']}")
        return answer["data"]

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds each process has used so far (its own, not the runs it started)."""
        return {service.name: _cpu_seconds(service.process.pid) for service in self.services}

    # --- stopping ---------------------------------------------------------------------------

    def stop(self, timeout: float = 60.0) -> list[Stopped]:
        """SIGTERM each process, the daemon first (no new runs) and the code server last; wait
        up to `timeout` seconds for each to exit. A process that does not is killed, and so is
        anything its process group still holds afterwards; both are reported, not hidden."""
        stopped = []
        for service in reversed(self.services):
            process = service.process
            started = time.monotonic()
            killed = False
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    killed = True
                    process.kill()
                    process.wait()
            seconds = time.monotonic() - started
            leftovers = self._reap_group(process.pid, timeout=5.0)
            stopped.append(Stopped(service.name, process.returncode, seconds, killed, leftovers))
        self.services = []
        return stopped

    @staticmethod
    def _reap_group(pgid: int, timeout: float) -> list[str]:
        """What is still running in the group once its leader has gone: given a moment to exit
        on its own, then killed. Returns their command lines."""
        deadline = time.monotonic() + timeout
        members = _group_members(pgid)
        while members and time.monotonic() < deadline:
            time.sleep(0.2)
            members = _group_members(pgid)
        left = [f"{pid}: {_command_line(pid)}" for pid in members]
        if members:
            try:
                os.killpg(pgid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return left

    def __enter__(self) -> "Deployment":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        if self.services:
            self.stop()
