"""The one code location loads, with the named assets, checks, jobs, schedules and sensors."""

import pytest

from orchestration.lib import contracts, dbt

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def defs():
    dbt.prepare_manifest()
    from orchestration.definitions import defs

    return defs


def test_every_source_has_a_raw_asset_a_job_and_a_running_sensor(defs):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    sensors = {sensor.name: sensor for sensor in defs.sensors}
    for source in contracts.all_contracts():
        assert f"raw/{source}" in keys
        assert defs.resolve_job_def(f"ingest_{source}_job") is not None
        assert sensors[f"landing_{source}_sensor"].default_status.value == "RUNNING"


def test_the_vertical_slice_is_wired(defs):
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"staging/stg_crm__contacts", "marts/fct_measure_values"} <= keys
    checks = {key.name for key in graph.asset_check_keys}
    assert "gx_marts_fct_measure_values" in checks
    assert "gx_raw_crm_contacts" in checks


def test_the_nightly_schedule_runs_in_london_time(defs):
    schedule = defs.resolve_schedule_def("nightly_everything_schedule")
    assert schedule.cron_schedule == "0 2 * * *"
    assert schedule.execution_timezone == "Europe/London"


def test_the_dbt_resource_knows_its_dbt_version_without_starting_dbt():
    import re
    import subprocess

    from orchestration.defs.transform.resources import dbt_resource

    resource = dbt_resource()
    reported = subprocess.check_output([resource.dbt_executable, "--version"], text=True)
    installed = re.search(r"installed:\s*(\d+\.\d+\.\d+)", reported).group(1)
    assert str(resource._cli_version) == installed
