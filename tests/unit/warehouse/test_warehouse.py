import socket

import pytest

from orchestration.lib import environment, warehouse

pytestmark = pytest.mark.unit


def test_free_port_skips_a_port_in_use():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        assert not warehouse.port_is_free(taken)
        assert warehouse.free_port(taken) != taken


def test_missing_binaries_without_root_fail_with_one_clear_sentence(monkeypatch):
    monkeypatch.setattr(warehouse, "BIN_SEARCH", ("/nonexistent/*/bin",))
    monkeypatch.setattr(warehouse, "_is_root", lambda: False)
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(warehouse.WarehouseError) as error:
        warehouse.server_bin_dir()
    message = str(error.value)
    assert "apt-get install postgresql" in message
    assert message.count("\n") == 0


def test_dbt_env_splits_the_url_and_decodes_the_password():
    env = environment.dbt_env("postgresql://bdc:p%40ss@127.0.0.1:5433/warehouse")
    assert env == {
        "BDC_PG_HOST": "127.0.0.1",
        "BDC_PG_PORT": "5433",
        "BDC_PG_USER": "bdc",
        "BDC_PG_PASSWORD": "p@ss",
        "BDC_PG_DATABASE": "warehouse",
    }


def test_configured_url_means_nothing_is_started(monkeypatch):
    monkeypatch.setenv("BDC_WAREHOUSE_URL", "postgresql://x:y@db.example:5432/bdc")
    monkeypatch.setattr(warehouse, "start", lambda *a, **k: pytest.fail("must not start"))
    assert warehouse.ensure_url() == "postgresql://x:y@db.example:5432/bdc"
