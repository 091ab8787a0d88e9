import os

import dagster as dg
import pytest

from orchestration.defs.ingest.sensors import build_landing_sensor

pytestmark = pytest.mark.unit


def _tick(sensor, cursor):
    context = dg.build_sensor_context(cursor=cursor)
    return sensor(context), context.cursor


def test_a_file_runs_once_it_is_unchanged_across_two_looks_and_never_again(tmp_path, monkeypatch):
    monkeypatch.setenv("BDC_LANDING_DIR", str(tmp_path))
    folder = tmp_path / "crm_contacts"
    folder.mkdir()
    sensor = build_landing_sensor("crm_contacts")

    result, cursor = _tick(sensor, None)
    assert isinstance(result, dg.SkipReason)

    (folder / "crm_contacts_2026-04.csv").write_text("contact_id\n1\n")
    (folder / "notes.txt").write_text("not a landing file")
    (folder / "crm_contacts_2026-05.csv.part").write_text("contact_id\n")  # being uploaded
    result, cursor = _tick(sensor, cursor)
    assert isinstance(result, dg.SkipReason), "first look: wait for a second one"
    assert "1 file(s)" in result.skip_message

    request, cursor = _tick(sensor, cursor)
    assert isinstance(request, dg.RunRequest)
    assert "crm_contacts_2026-04.csv" in request.run_key
    assert "notes.txt" not in request.run_key and ".part" not in request.run_key

    result, cursor = _tick(sensor, cursor)
    assert isinstance(result, dg.SkipReason) and "No new files" in result.skip_message


def test_a_file_still_growing_between_looks_is_not_taken_up(tmp_path, monkeypatch):
    monkeypatch.setenv("BDC_LANDING_DIR", str(tmp_path))
    folder = tmp_path / "crm_contacts"
    folder.mkdir()
    sensor = build_landing_sensor("crm_contacts")
    growing = folder / "crm_contacts_2026-05.csv"
    growing.write_text("contact_id\n1\n")
    _, cursor = _tick(sensor, None)
    with growing.open("a") as handle:
        handle.write("2\n")
    result, cursor = _tick(sensor, cursor)
    assert isinstance(result, dg.SkipReason), "it changed since the first look"
    request, _ = _tick(sensor, cursor)
    assert isinstance(request, dg.RunRequest) and "crm_contacts_2026-05.csv" in request.run_key


def test_a_symbolic_link_starts_a_run_that_refuses_it(tmp_path, monkeypatch):
    monkeypatch.setenv("BDC_LANDING_DIR", str(tmp_path))
    folder = tmp_path / "crm_contacts"
    folder.mkdir()
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("secret\n")
    os.symlink(outside, folder / "crm_contacts_2026-06.csv")
    sensor = build_landing_sensor("crm_contacts")
    _, cursor = _tick(sensor, None)
    request, _ = _tick(sensor, cursor)
    assert isinstance(request, dg.RunRequest) and "2026-06" in request.run_key


def test_the_cursor_of_an_older_version_counts_as_already_run(tmp_path, monkeypatch):
    monkeypatch.setenv("BDC_LANDING_DIR", str(tmp_path))
    folder = tmp_path / "crm_contacts"
    folder.mkdir()
    path = folder / "crm_contacts_2026-04.csv"
    path.write_text("contact_id\n1\n")
    stat = path.stat()
    old_cursor = f'["{path.name}:{stat.st_size}:{stat.st_mtime_ns}"]'
    sensor = build_landing_sensor("crm_contacts")
    result, _ = _tick(sensor, old_cursor)
    assert isinstance(result, dg.SkipReason) and "No new files" in result.skip_message
