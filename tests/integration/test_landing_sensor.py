"""The landing sensors: when a file starts a run, and when it does not, against PostgreSQL."""

import json
import os
import time

import dagster as dg
import pytest

from orchestration.defs.ingest import sensors
from orchestration.defs.ingest.sensors import build_landing_sensor
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.ingest import loaders

pytestmark = pytest.mark.integration


def _tick(sensor, cursor, url):
    context = dg.build_sensor_context(
        cursor=cursor, resources={"warehouse": WarehouseResource(url=url)}
    )
    return sensor(context), context.cursor


def _age(path, seconds: float) -> None:
    """As if the file was last written `seconds` ago."""
    then = time.time() - seconds
    os.utime(path, (then, then))


def test_a_settled_file_runs_on_the_first_look_and_never_again(activated, workspace):
    folder = workspace["landing"] / "crm_contacts"
    folder.mkdir()
    sensor = build_landing_sensor("crm_contacts")

    result, cursor = _tick(sensor, None, activated)
    assert isinstance(result, dg.SkipReason) and "No new files" in result.skip_message

    arrived = folder / "crm_contacts_2026-04.csv"
    arrived.write_text("contact_id\n1\n")
    _age(arrived, 5)  # older than the settle time (0.5 s here)
    (folder / "notes.txt").write_text("not a landing file")
    (folder / "crm_contacts_2026-05.csv.part").write_text("contact_id\n")  # being uploaded
    request, cursor = _tick(sensor, cursor, activated)
    assert isinstance(request, dg.RunRequest)
    assert "crm_contacts_2026-04.csv" in request.run_key
    assert "notes.txt" not in request.run_key and ".part" not in request.run_key
    assert request.tags["source"] == "crm_contacts"

    result, cursor = _tick(sensor, cursor, activated)
    assert isinstance(result, dg.SkipReason) and "No new files" in result.skip_message


def test_a_file_changed_within_the_settle_time_waits_for_a_later_look(activated, workspace):
    folder = workspace["landing"] / "crm_contacts"
    folder.mkdir()
    sensor = build_landing_sensor("crm_contacts")
    growing = folder / "crm_contacts_2026-05.csv"
    growing.write_text("contact_id\n1\n")
    result, cursor = _tick(sensor, None, activated)
    assert isinstance(result, dg.SkipReason), "written just now: it may still be growing"
    assert "1 file(s)" in result.skip_message and "still changing" in result.skip_message

    with growing.open("a") as handle:
        handle.write("2\n")
    result, cursor = _tick(sensor, cursor, activated)
    assert isinstance(result, dg.SkipReason), "it changed again"

    _age(growing, 1)
    request, _ = _tick(sensor, cursor, activated)
    assert isinstance(request, dg.RunRequest) and "crm_contacts_2026-05.csv" in request.run_key


def test_content_loaded_before_starts_no_run_but_a_correction_does(activated, good):
    """A deployment whose sensors start with no cursor (new, or its Dagster storage replaced)
    does not rebuild for files the warehouse already holds."""
    gazetteer = good("gazetteer")
    (loaded,) = loaders.ingest_files(activated, [gazetteer], "gazetteer", quarantine=False)
    assert loaded.outcome == "loaded"
    _age(gazetteer, 5)
    sensor = build_landing_sensor("gazetteer")

    result, cursor = _tick(sensor, None, activated)
    assert isinstance(result, dg.SkipReason)
    assert "content loaded before" in result.skip_message
    assert any(gazetteer.name in key for key in json.loads(cursor)["run"])

    corrected = gazetteer.with_name(gazetteer.stem + "_corrected.csv")
    lines = gazetteer.read_text(encoding="utf-8").splitlines()
    corrected.write_text("\n".join(lines[:-1]) + "\n", encoding="utf-8")  # one address fewer
    _age(corrected, 5)
    request, cursor = _tick(sensor, cursor, activated)
    assert isinstance(request, dg.RunRequest)
    assert corrected.name in request.run_key and f"{gazetteer.name}:" not in request.run_key

    result, _ = _tick(sensor, cursor, activated)
    assert isinstance(result, dg.SkipReason) and "No new files" in result.skip_message


def test_a_symbolic_link_starts_a_run_that_refuses_it_without_waiting(activated, workspace):
    folder = workspace["landing"] / "crm_contacts"
    folder.mkdir()
    outside = workspace["landing"] / "elsewhere.csv"
    outside.write_text("secret\n")
    os.symlink(outside, folder / "crm_contacts_2026-06.csv")
    sensor = build_landing_sensor("crm_contacts")
    request, cursor = _tick(sensor, None, activated)
    assert isinstance(request, dg.RunRequest) and "2026-06" in request.run_key
    result, _ = _tick(sensor, cursor, activated)
    assert isinstance(result, dg.SkipReason)


@pytest.mark.parametrize(
    "older",
    [
        lambda key: json.dumps([key]),  # a list: every signature was run
        lambda key: json.dumps({"run": [key], "seen": [key]}),  # run, and seen once
    ],
    ids=["list", "run-and-seen"],
)
def test_the_cursors_of_older_versions_count_as_already_run(activated, workspace, older):
    folder = workspace["landing"] / "crm_contacts"
    folder.mkdir()
    path = folder / "crm_contacts_2026-04.csv"
    path.write_text("contact_id\n1\n")
    _age(path, 5)
    stat = path.stat()
    sensor = build_landing_sensor("crm_contacts")
    result, _ = _tick(sensor, older(f"{path.name}:{stat.st_size}:{stat.st_mtime_ns}"), activated)
    assert isinstance(result, dg.SkipReason) and "No new files" in result.skip_message


def test_the_interval_comes_from_the_environment_and_a_bad_one_is_refused(monkeypatch):
    monkeypatch.delenv(sensors.INTERVAL_VAR, raising=False)
    assert build_landing_sensor("crm_contacts").minimum_interval_seconds == 15
    monkeypatch.setenv(sensors.INTERVAL_VAR, "7")
    assert build_landing_sensor("crm_contacts").minimum_interval_seconds == 7
    monkeypatch.setenv(sensors.INTERVAL_VAR, "half a minute")
    with pytest.raises(ValueError, match="BDC_SENSOR_INTERVAL_SECONDS is 'half a minute'"):
        build_landing_sensor("crm_contacts")
