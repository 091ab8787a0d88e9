"""The warehouse: a private PostgreSQL cluster for the project, or a server the user names.

With BDC_WAREHOUSE_URL set, that server is used and nothing is started. Otherwise `start()`
creates (once) and starts a cluster in the project's own data folder on a free port with its own
socket folder, using the PostgreSQL server binaries on the machine. As root the server runs as
the `postgres` user (initdb and postgres refuse root).
"""

import getpass
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from orchestration.lib import environment

SUPERUSER = "bdc"
DATABASE = "bdc"
LOGIN_ROLES = ("analyst", "public_reader")
FIRST_PORT = 54329
BIN_SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/usr/local/pgsql/bin")


class WarehouseError(RuntimeError):
    """A problem with the warehouse, worded for the person running the command."""


@dataclass(frozen=True)
class Cluster:
    data_dir: Path

    @property
    def state_file(self) -> Path:
        return self.data_dir / "cluster.json"

    @property
    def pgdata(self) -> Path:
        return self.data_dir / "pgdata"

    def state(self) -> dict:
        if not self.state_file.exists():
            return {}
        return json.loads(self.state_file.read_text())

    def url(self, role: str = SUPERUSER) -> str:
        state = self.state()
        if not state:
            raise WarehouseError("The warehouse has not been created yet: run `bdc db start`.")
        password = state["passwords"][role]
        return (
            f"postgresql://{role}:{quote(password, safe='')}@127.0.0.1:{state['port']}/{DATABASE}"
        )


def default_cluster() -> Cluster:
    return Cluster(_reachable_dir(environment.warehouse_dir()))


def _is_root() -> bool:
    return os.geteuid() == 0


def _reachable_dir(wanted: Path) -> Path:
    """As root the server runs as `postgres`, which must be able to reach the data folder."""
    if not _is_root() or not Path(_runuser()).exists():
        return wanted
    probe = wanted
    while not probe.exists():
        probe = probe.parent
    ok = subprocess.run(_as_server_user(["test", "-x", str(probe)])).returncode
    if ok == 0:
        return wanted
    digest = hashlib.sha1(str(wanted).encode()).hexdigest()[:10]
    return Path("/var/tmp") / f"bdc-warehouse-{digest}"


def server_bin_dir(install: bool = True) -> Path:
    """The folder holding initdb/pg_ctl; installs PostgreSQL with apt-get as root if missing."""
    for pattern in BIN_SEARCH:
        found = sorted(Path("/").glob(pattern.lstrip("/")), reverse=True)
        for candidate in found:
            if (candidate / "initdb").exists() and (candidate / "pg_ctl").exists():
                return candidate
    on_path = shutil.which("initdb")
    if on_path and shutil.which("pg_ctl"):
        return Path(on_path).parent
    if install and _is_root() and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-qq"], check=True, env=env)
        subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True, env=env)
        return server_bin_dir(install=False)
    raise WarehouseError(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found: install them with "
        "`sudo apt-get install postgresql` (or set BDC_WAREHOUSE_URL to an existing server)."
    )


def _runuser() -> str:
    return shutil.which("runuser") or "/usr/sbin/runuser"


def _as_server_user(cmd: list[str]) -> list[str]:
    return [_runuser(), "-u", "postgres", "--", *cmd] if _is_root() else cmd


def _own(path: Path) -> None:
    if _is_root():
        shutil.chown(path, "postgres", "postgres")


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(start: int = FIRST_PORT) -> int:
    for port in range(start, start + 200):
        if port_is_free(port):
            return port
    raise WarehouseError(f"No free TCP port between {start} and {start + 199} on 127.0.0.1.")


def is_running(cluster: Cluster) -> bool:
    pid_file = cluster.pgdata / "postmaster.pid"
    if not pid_file.exists():
        return False
    try:
        pid = int(pid_file.read_text().splitlines()[0])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, IndexError):
        return False
    except PermissionError:
        return True
    return True


def _init(cluster: Cluster, bin_dir: Path, durable: bool) -> None:
    cluster.data_dir.mkdir(parents=True, exist_ok=True)
    _own(cluster.data_dir)
    passwords = {role: secrets.token_urlsafe(18) for role in (SUPERUSER, *LOGIN_ROLES)}
    with tempfile.NamedTemporaryFile("w", delete=False, dir=cluster.data_dir) as pwfile:
        pwfile.write(passwords[SUPERUSER])
    _own(Path(pwfile.name))
    try:
        subprocess.run(
            _as_server_user(
                [
                    str(bin_dir / "initdb"),
                    "-D",
                    str(cluster.pgdata),
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile.name}",
                    "--auth-local=scram-sha-256",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            capture_output=True,
            text=True,
        )
    except subprocess.CalledProcessError as error:
        raise WarehouseError(f"initdb failed: {error.stderr.strip()}") from error
    finally:
        Path(pwfile.name).unlink(missing_ok=True)
    settings = [
        "listen_addresses = '127.0.0.1'",
        "timezone = 'Europe/London'",
        "log_timezone = 'Europe/London'",
        "max_connections = 60",
        "shared_buffers = 256MB",
        "work_mem = 32MB",
        "maintenance_work_mem = 256MB",
        "max_wal_size = 2GB",
        "logging_collector = off",
    ]
    if not durable:
        settings += ["fsync = off", "synchronous_commit = off", "full_page_writes = off"]
    conf = cluster.pgdata / "postgresql.auto.conf"
    with conf.open("a") as handle:
        handle.write("\n".join(settings) + "\n")
    cluster.state_file.write_text(json.dumps({"passwords": passwords, "port": None}, indent=2))
    cluster.state_file.chmod(0o600)


def start(cluster: Cluster | None = None, durable: bool = True) -> str:
    """Create (once) and start the private cluster; returns the superuser URL."""
    cluster = cluster or default_cluster()
    bin_dir = server_bin_dir()
    if not (cluster.pgdata / "PG_VERSION").exists():
        _init(cluster, bin_dir, durable)
    state = cluster.state()
    if is_running(cluster):
        create_database(cluster.url())
        return cluster.url()
    port = state.get("port")
    if not port or not port_is_free(port):
        port = free_port()
    socket_dir = Path(tempfile.gettempdir()) / f"bdc-pg-{os.getuid()}-{port}"
    socket_dir.mkdir(mode=0o700, exist_ok=True)
    _own(socket_dir)
    log_file = cluster.data_dir / "server.log"
    log_file.touch()
    _own(log_file)
    opts = f"-p {port} -k {socket_dir}"
    result = subprocess.run(
        _as_server_user(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(cluster.pgdata),
                "-l",
                str(log_file),
                "-o",
                opts,
                "-w",
                "-t",
                "60",
                "start",
            ]
        ),
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        tail = log_file.read_text().strip().splitlines()[-3:]
        raise WarehouseError(f"PostgreSQL did not start: {' '.join(tail) or result.stderr}")
    state.update(port=port, socket_dir=str(socket_dir), bin_dir=str(bin_dir))
    cluster.state_file.write_text(json.dumps(state, indent=2))
    url = cluster.url()
    _wait_ready(url.rsplit("/", 1)[0] + "/postgres")
    create_database(url)
    return url


def _wait_ready(url: str, timeout: float = 30.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        try:
            with psycopg.connect(url, connect_timeout=3):
                return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def create_database(url: str) -> None:
    """Create the URL's database if it does not exist (connecting to `postgres`)."""
    import psycopg
    from psycopg import sql

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def stop(cluster: Cluster | None = None) -> bool:
    cluster = cluster or default_cluster()
    if not is_running(cluster):
        return False
    bin_dir = Path(cluster.state().get("bin_dir") or server_bin_dir(install=False))
    subprocess.run(
        _as_server_user(
            [str(bin_dir / "pg_ctl"), "-D", str(cluster.pgdata), "-m", "fast", "-w", "stop"]
        ),
        check=True,
        capture_output=True,
    )
    return True


def destroy(cluster: Cluster) -> None:
    """Stop and delete a throwaway cluster (tests and benchmarks only)."""
    stop(cluster)
    shutil.rmtree(cluster.data_dir, ignore_errors=True)


def role_passwords(cluster: Cluster | None = None) -> dict[str, str]:
    """Passwords for the read-only login roles: the private cluster's, or from the environment."""
    if configured_url():
        found = {role: os.environ.get(f"BDC_{role.upper()}_PASSWORD", "") for role in LOGIN_ROLES}
        return {role: password for role, password in found.items() if password}
    state = (cluster or default_cluster()).state()
    return {
        role: state["passwords"][role] for role in LOGIN_ROLES if role in state.get("passwords", {})
    }


def configured_url() -> str | None:
    return os.environ.get(environment.WAREHOUSE_URL_VAR) or None


def ensure_url() -> str:
    """The warehouse URL: the configured server, or the private cluster started on demand."""
    url = configured_url()
    if url:
        return url
    return start()


def current_user() -> str:
    return getpass.getuser()
