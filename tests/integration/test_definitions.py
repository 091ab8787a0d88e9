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

    from orchestration.lib.dbt.resources import dbt_resource

    resource = dbt_resource()
    reported = subprocess.check_output([resource.dbt_executable, "--version"], text=True)
    installed = re.search(r"installed:\s*(\d+\.\d+\.\d+)", reported).group(1)
    assert str(resource._cli_version) == installed


def test_the_dbt_resource_runs_dbt_without_building_an_adapter_in_this_process(monkeypatch):
    from orchestration.lib import environment
    from orchestration.lib.dbt.resources import dbt_resource

    dbt.prepare_manifest()
    for key, value in environment.dbt_env("postgresql://someone@127.0.0.1:61234/x").items():
        monkeypatch.setenv(key, value)
    invocation = dbt_resource().cli(["ls", "--resource-type", "model", "--output", "name"])
    listed = [event.raw_event["info"]["msg"] for event in invocation.stream_raw_events()]
    assert invocation.is_successful()
    assert "fct_measure_values" in listed  # dbt itself ran, in its own process
    assert invocation.adapter is None  # dagster-dbt's own adapter was not built here


def test_the_manifest_is_parsed_for_the_warehouse_so_dbt_commands_parse_partly(tmp_path):
    import os
    import subprocess

    from orchestration.lib import environment

    project = environment.dbt_project_dir()
    manifest = project / "target" / "manifest.json"
    elsewhere = environment.dbt_env("postgresql://someone@127.0.0.1:61234/another")
    try:
        dbt.prepare_manifest(env=elsewhere)
        parsed_at = manifest.stat().st_mtime_ns
        dbt.prepare_manifest(env=elsewhere)
        assert manifest.stat().st_mtime_ns == parsed_at, "same warehouse: no second parse"
        # A dbt command for that warehouse parses partly, from the state prepare_manifest left.
        env = {**os.environ, **elsewhere, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
        run_target = tmp_path / "target"
        run_target.mkdir()
        (run_target / "partial_parse.msgpack").write_bytes(
            (project / "target" / "partial_parse.msgpack").read_bytes()
        )
        # The command as the dbt resource (dagster-dbt) starts it: --target and its own target path.
        command = [dbt.dbt_executable(), "parse", "--project-dir", str(project)]
        command += ["--profiles-dir", str(project), "--target", dbt.dbt_project().target]
        command += ["--target-path", str(run_target)]
        output = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        assert "Unable to do partial parsing" not in output.stdout, output.stdout
        dbt.prepare_manifest(env=environment.dbt_env("postgresql://other@127.0.0.1:61235/x"))
        assert manifest.stat().st_mtime_ns > parsed_at, "another warehouse: parsed again"
    finally:
        dbt.prepare_manifest()
