"""Shared fixtures: a throwaway PostgreSQL cluster for the session, a fresh database per test."""

import os
import uuid
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from orchestration.lib import environment, warehouse
from orchestration.lib.warehouse import bootstrap

REFERENCE_DIR = environment.reference_dir()


ROLE_PASSWORDS = {"analyst": "analyst-test", "public_reader": "public-test"}


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    """A real PostgreSQL: BDC_TEST_WAREHOUSE_URL's server, or a private throwaway cluster."""
    url = os.environ.get("BDC_TEST_WAREHOUSE_URL")
    if url:
        yield url
        return
    cluster = warehouse.Cluster(
        warehouse._reachable_dir(tmp_path_factory.mktemp("warehouse", numbered=True))
    )
    url = warehouse.start(cluster, durable=False)
    yield url
    warehouse.destroy(cluster)


def _database_url(server_url: str, name: str) -> str:
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def fresh_db(pg_server):
    """A new, bootstrapped database for one test; dropped afterwards."""
    name = f"test_{uuid.uuid4().hex[:12]}"
    url = _database_url(pg_server, name)
    warehouse.create_database(url)
    bootstrap.bootstrap(url, ROLE_PASSWORDS)
    yield url
    with psycopg.connect(_database_url(pg_server, "postgres"), autocommit=True) as conn:
        conn.execute(
            sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
        )


@pytest.fixture
def workspace(tmp_path, monkeypatch):
    """Landing, output and Dagster folders of this test's own."""
    paths = {
        "landing": tmp_path / "landing",
        "output": tmp_path / "build",
        "dagster_home": tmp_path / "dagster_home",
    }
    for path in paths.values():
        path.mkdir()
    monkeypatch.setenv("BDC_LANDING_DIR", str(paths["landing"]))
    monkeypatch.setenv("BDC_OUTPUT_DIR", str(paths["output"]))
    monkeypatch.setenv("DAGSTER_HOME", str(paths["dagster_home"]))
    # Files a test has just written count as complete after half a second unchanged.
    monkeypatch.setenv("BDC_LANDING_SETTLE_SECONDS", "0.5")
    return paths


@pytest.fixture
def activated(fresh_db, workspace, monkeypatch):
    """A fresh database that this process (and dbt) points at, in a private workspace."""
    monkeypatch.setenv(environment.WAREHOUSE_URL_VAR, fresh_db)
    monkeypatch.setenv("BDC_ANALYST_PASSWORD", ROLE_PASSWORDS["analyst"])
    monkeypatch.setenv("BDC_PUBLIC_READER_PASSWORD", ROLE_PASSWORDS["public_reader"])
    for key, value in environment.dbt_env(fresh_db).items():
        monkeypatch.setenv(key, value)
    return fresh_db


CHROMIUM = Path("/usr/bin/chromium")
# Headless, as root, on a closed network: no sandbox, and none of Chromium's background
# connections (each would be refused).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def chromium():
    """Debian's Chromium driven by Playwright, one browser per test module."""
    if not CHROMIUM.exists():
        pytest.fail("Browser tests need /usr/bin/chromium: apt-get install -y chromium")
    # Playwright's sync API runs an event loop in this thread; Django would refuse its ORM.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()
