import dagster as dg
import pytest

from orchestration.defs.ingest.sensors import build_landing_sensor

pytestmark = pytest.mark.unit


def test_a_new_file_requests_one_run_and_the_same_file_is_not_requested_again(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("BDC_LANDING_DIR", str(tmp_path))
    folder = tmp_path / "crm_contacts"
    folder.mkdir()
    sensor = build_landing_sensor("crm_contacts")

    context = dg.build_sensor_context()
    assert isinstance(sensor(context), dg.SkipReason)

    (folder / "crm_contacts_2026-04.csv").write_text("contact_id\n1\n")
    (folder / "notes.txt").write_text("not a landing file")
    request = sensor(context)
    assert isinstance(request, dg.RunRequest)
    assert "crm_contacts_2026-04.csv" in request.run_key
    assert "notes.txt" not in request.run_key

    again = dg.build_sensor_context(cursor=context.cursor)
    assert isinstance(sensor(again), dg.SkipReason)

    (folder / "crm_contacts_2026-05.csv").write_text("contact_id\n2\n")
    later = sensor(again)
    assert isinstance(later, dg.RunRequest)
    assert "2026-05" in later.run_key and "2026-04" not in later.run_key
