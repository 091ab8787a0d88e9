from pathlib import Path

import psycopg
import pytest

from orchestration.lib.warehouse import bootstrap

pytestmark = pytest.mark.integration

SCHEMAS = {"raw", "input", "staging", "intermediate", "marts", "analysis", "publish", "audit"}


def _role_url(url: str, role: str, password: str) -> str:
    rest = url.split("@", 1)[1]
    return f"postgresql://{role}:{password}@{rest}"


def test_bootstrap_is_idempotent_and_creates_the_layers(fresh_db):
    bootstrap.bootstrap(fresh_db)
    bootstrap.bootstrap(fresh_db)
    with psycopg.connect(fresh_db) as conn:
        names = {row[0] for row in conn.execute("select nspname from pg_namespace")}
        roles = {row[0] for row in conn.execute("select rolname from pg_roles")}
    assert SCHEMAS <= names
    assert {"analyst", "public_reader", "bdc_loader"} <= roles


def test_sessions_in_the_warehouse_do_not_jit_compile_plans(fresh_db):
    analyst = _role_url(fresh_db, "analyst", "analyst-test")
    for url in (fresh_db, analyst):
        with psycopg.connect(url) as conn:
            assert conn.execute("show jit").fetchone() == ("off",)
            # The database's own setting (it holds on a managed server too), not the server's.
            settings = conn.execute(
                "select setconfig from pg_db_role_setting join pg_database d "
                "on d.oid = setdatabase where d.datname = current_database() and setrole = 0"
            ).fetchone()
            assert "jit=off" in settings[0]


def test_analyst_reads_marts_but_is_refused_raw_and_input(fresh_db):
    with psycopg.connect(fresh_db, autocommit=True) as conn:
        for schema in ("raw", "input", "marts", "publish"):
            conn.execute(f"create table {schema}.probe as select 1 as x")
    analyst = _role_url(fresh_db, "analyst", "analyst-test")
    with psycopg.connect(analyst, autocommit=True) as conn:
        assert conn.execute("select x from marts.probe").fetchone() == (1,)
        assert conn.execute("select x from publish.probe").fetchone() == (1,)
        for schema in ("raw", "input"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"select x from {schema}.probe")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("insert into marts.probe values (2)")
    public = _role_url(fresh_db, "public_reader", "public-test")
    with psycopg.connect(public, autocommit=True) as conn:
        assert conn.execute("select x from publish.probe").fetchone() == (1,)
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("select x from marts.probe")


def test_a_taken_port_makes_the_cluster_start_on_another(tmp_path_factory):
    import socket

    from orchestration.lib import warehouse

    cluster = warehouse.Cluster(
        warehouse._reachable_dir(tmp_path_factory.mktemp("porttest", numbered=True))
    )
    try:
        warehouse.start(cluster, durable=False)
        first = cluster.state()["port"]
        warehouse.stop(cluster)
        with socket.socket() as squatter:
            squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            squatter.bind(("127.0.0.1", first))
            squatter.listen()
            url = warehouse.start(cluster, durable=False)
            second = cluster.state()["port"]
            assert second != first
            with psycopg.connect(url) as conn:
                assert conn.execute("select 1").fetchone() == (1,)
    finally:
        warehouse.destroy(cluster)


def environment_root() -> str:
    from orchestration.lib import environment

    return str(environment.REPO_ROOT)


def test_a_normal_user_can_run_the_cluster_without_root():
    import os
    import subprocess
    import sys

    if os.geteuid() != 0:
        pytest.skip("already a normal user: every other test covers this path")
    # The venv's interpreter may live under /root; the system one with the venv's packages
    # is what a normal user can run.
    python = "/usr/bin/python3.11"
    site = next(Path(sys.prefix).glob("lib/python3.11/site-packages"))
    if not Path(python).exists() or not os.access(site, os.R_OK):
        pytest.skip("no system Python 3.11 for a normal user")
    import shutil
    import tempfile

    readable = subprocess.run(
        ["/usr/sbin/runuser", "-u", "nobody", "--", "/usr/bin/test", "-r", str(site / "psycopg")]
    )
    if readable.returncode != 0:
        pytest.skip("the venv is in a folder the user nobody cannot read (e.g. mktemp -d)")
    folder = Path(tempfile.mkdtemp(prefix="bdc-nobody-", dir="/tmp"))
    # The project's code, copied where nobody can read it whatever the clone's permissions.
    shutil.copytree(
        Path(environment_root()) / "orchestration",
        folder / "code" / "orchestration",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, 65534, 65534)
    script = (
        "from pathlib import Path; from orchestration.lib import warehouse as w; "
        f"c = w.Cluster(Path({str(folder / 'wh')!r})); u = w.start(c, durable=False); "
        "import psycopg; print(psycopg.connect(u).execute('select current_user').fetchone()[0]); "
        "w.destroy(c)"
    )
    try:
        run = subprocess.run(
            ["/usr/sbin/runuser", "-u", "nobody", "--", python, "-c", script],
            capture_output=True,
            text=True,
            cwd="/",
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(folder),
                "PYTHONPATH": f"{site}:{folder / 'code'}",
            },
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "bdc"
