"""Partner returns dropped in the landing zone come in only under an agreement in force."""

import shutil

import psycopg
import pytest

from orchestration import demo
from orchestration.lib.sharing.returns import receive_landing_file, receive_landing_files

pytestmark = pytest.mark.integration


@pytest.fixture
def partner_file(tmp_path, workspace):
    demo.generate(tmp_path / "demo", scale=0.02, last_month="2023-04")
    for source in ("gazetteer", "partner_returns"):
        target = workspace["landing"] / source
        shutil.copytree(tmp_path / "demo" / source, target)
    return next((workspace["landing"] / "partner_returns").glob("*.csv"))


def test_a_return_from_partners_with_agreements_loads(activated, partner_file):
    result = receive_landing_file(activated, partner_file)
    assert result.outcome == "loaded", result.summary()


def test_a_return_from_a_partner_without_an_agreement_is_quarantined(activated, partner_file):
    text = partner_file.read_text().replace("west_mercia_police", "unknown_trust")
    partner_file.write_text(text)
    result = receive_landing_file(activated, partner_file)
    assert result.outcome == "rejected"
    assert "unknown_trust" in result.report_path.read_text()
    with psycopg.connect(activated) as conn:
        exists = conn.execute("select to_regclass('raw.partner_returns')").fetchone()[0]
        rows = (
            conn.execute("select count(*) from raw.partner_returns").fetchone()[0] if exists else 0
        )
    assert rows == 0


def test_files_are_received_together_and_each_answered_in_order(activated, partner_file):
    stranger = partner_file.with_name("partner_returns_unknown.csv")
    stranger.write_text(partner_file.read_text().replace("west_mercia_police", "unknown_trust"))
    results = receive_landing_files(activated, [stranger, partner_file])
    assert [result.outcome for result in results] == ["rejected", "loaded"]
    assert [result.file for result in results] == [stranger, partner_file]
    with psycopg.connect(activated) as conn:
        loaded = conn.execute(
            "select count(*), count(distinct _source_file) from raw.partner_returns"
        ).fetchone()
        outcomes = conn.execute(
            "select file_name, outcome from audit.loads order by file_name"
        ).fetchall()
    assert loaded == (results[1].rows_loaded, 1) and loaded[0] > 0
    assert outcomes == [(partner_file.name, "loaded"), (stranger.name, "rejected")]
