"""Partner extracts and returns under data-sharing agreements, against a real PostgreSQL."""

import csv
import datetime as dt
import json
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from orchestration.lib.checksums import sha256_file
from orchestration.lib.sharing.agreements import load_register, parse_register
from orchestration.lib.sharing.extract import SharingRefused, build_share, verify_manifest
from orchestration.lib.sharing.returns import ReturnRefused, receive_return

pytestmark = pytest.mark.integration

# The 25th, when extracts are scheduled: June 2025 is due from every source (the latest, partner
# returns, by the 15th working day, 21 July).
TODAY = dt.date(2025, 7, 25)
BROMSGROVE, REDDITCH = "E07000234", "E07000236"
WARDS = {BROMSGROVE: ["E05015001", "E05015002", "E05015003"], REDDITCH: ["E05015101"]}
LOCALITIES = {BROMSGROVE: ["BDC-L1", "BDC-L2"], REDDITCH: ["RBC-L1"]}
MEASURES = [
    "ind_families_engaged",
    "ind_families_successful_outcomes",
    "saf_asb_incidents",
    "ena_contacts_total",
    "hou_applications_received",
]
MONTHS = [dt.date(2024, 3, 1), dt.date(2024, 4, 1), dt.date(2025, 6, 1), dt.date(2025, 7, 1)]


def _month_end(start: dt.date) -> dt.date:
    following = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return following - dt.timedelta(days=1)


def _fixture_values() -> list[tuple]:
    """Every measure at every level for months before, inside and after the agreed range."""
    rows = []
    for m_index, measure in enumerate(MEASURES):
        for month in MONTHS:
            for council in (BROMSGROVE, REDDITCH):
                areas = [("council", council)]
                areas += [("ward", w) for w in WARDS[council]]
                areas += [("locality", loc) for loc in LOCALITIES[council]]
                for a_index, (kind, code) in enumerate(areas):
                    # Ward E05015001 always holds a small count (2 or 3): a disclosure case.
                    count = 2 + m_index % 2 if code == "E05015001" else 10 + 7 * a_index + m_index
                    rows.append(
                        (
                            measure,
                            council,
                            month,
                            _month_end(month),
                            kind,
                            code,
                            count,
                            None,
                            count,
                            "final",
                        )
                    )
    return rows


@pytest.fixture
def warehouse(activated):
    """marts.fct_measure_values with fixture rows, and a Policy Team override on freshness."""
    with psycopg.connect(activated) as conn:
        conn.execute(
            """create table marts.fct_measure_values (
                measure_id text, council_code text, period_start date, period_end date,
                geography_type text, geography_code text, numerator numeric,
                denominator numeric, value numeric, status text,
                loaded_at timestamptz default now())"""
        )
        with conn.cursor() as cur:
            cur.executemany(
                """insert into marts.fct_measure_values (measure_id, council_code, period_start,
                   period_end, geography_type, geography_code, numerator, denominator, value,
                   status) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                _fixture_values(),
            )
    return activated


def _open_gate(url: str, output: str) -> None:
    """The fixture warehouse has no landing loads: the Policy Team overrides freshness."""
    from orchestration.lib.quality import store

    with psycopg.connect(url) as conn:
        store.ensure_tables(conn)
        conn.execute(
            """insert into input.freshness_overrides (output, reason, person, expires_at)
               values (%s, 'test fixture: no landing files', 'Policy Team',
                       now() + interval '1 day')""",
            (output,),
        )


def _read_csv(path: Path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _shares(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select agreement_id, outcome, partner, datasets, geography_level, files, "
            "output_dir, message, agreement_version from audit.shares order by shared_at"
        ).fetchall()


def test_extract_holds_exactly_the_agreed_datasets_at_the_agreed_level(warehouse, workspace):
    register = load_register()
    agreement = register.get("connecting_families")
    _open_gate(warehouse, "share:connecting_families")

    result = build_share(warehouse, agreement.id, today=TODAY, register=register)

    folder = workspace["output"] / "shares" / "connecting_families" / TODAY.isoformat()
    assert result.folder == folder
    expected_files = {f"{d.name}.csv" for d in agreement.datasets}
    assert {p.name for p in folder.iterdir()} == expected_files | {
        "data_dictionary.csv",
        "manifest.json",
    }
    agreed_measures = {m for d in agreement.datasets for m in d.measures}
    for dataset in agreement.datasets:
        rows = _read_csv(folder / f"{dataset.name}.csv")
        assert rows, "the fixture holds agreed rows"
        columns = set(rows[0])
        allowed = set(dataset.columns) | {f"{c}_marker" for c in ("numerator", "value")}
        assert columns <= allowed
        assert set(dataset.columns) <= columns
        assert {r["measure_id"] for r in rows} == set(dataset.measures) <= agreed_measures
        assert {r["geography_type"] for r in rows} == {"ward"}
        assert {r["council_code"] for r in rows} == set(agreement.councils)
        starts = {dt.date.fromisoformat(r["period_start"]) for r in rows}
        assert min(starts) >= agreement.period_from
        assert max(dt.date.fromisoformat(r["period_end"]) for r in rows) <= dt.date(2025, 6, 30)
        # The agreed rows are exactly the fixture's ward rows in range, nothing dropped.
        wanted = [
            v
            for v in _fixture_values()
            if v[0] in dataset.measures
            and v[4] == "ward"
            and agreement.period_from <= v[2]
            and v[3] <= dt.date(2025, 6, 30)
        ]
        assert len(rows) == len(wanted)
        # This agreement entitles the county to unsuppressed ward counts.
        small = [r for r in rows if r["geography_code"] == "E05015001"]
        assert small and all(r["value"] in ("2", "3") for r in small)
        assert all(r["value_marker"] == "" for r in rows)


def test_suppressing_agreement_hides_small_ward_counts_and_their_complements(warehouse, workspace):
    register = load_register()
    agreement = register.get("west_mercia_police_asb")
    assert agreement.suppress_small_counts
    _open_gate(warehouse, "share:west_mercia_police_asb")

    result = build_share(warehouse, agreement.id, today=TODAY, register=register)

    rows = _read_csv(result.folder / "asb_incidents.csv")
    small = [r for r in rows if r["geography_code"] == "E05015001"]
    assert small and all(r["value"] == "" and r["value_marker"] == "[c]" for r in small)
    # Secondary suppression: in each Bromsgrove month, a second ward is hidden too.
    for month in {r["period_start"] for r in rows}:
        hidden = [
            r
            for r in rows
            if r["period_start"] == month
            and r["council_code"] == BROMSGROVE
            and r["value_marker"] == "[c]"
        ]
        assert len(hidden) >= 2
    assert result.suppressed > 0
    assert "numerator" not in rows[0]  # not an agreed column for this agreement


def test_manifest_checksums_verify_and_the_audit_row_is_written(warehouse, workspace):
    register = load_register()
    _open_gate(warehouse, "share:connecting_families")
    result = build_share(warehouse, "connecting_families", today=TODAY, register=register)

    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert verify_manifest(result.folder) == []
    for entry in manifest["files"]:
        path = result.folder / entry["name"]
        assert entry["sha256"] == sha256_file(path)
        if entry["dataset"]:
            assert entry["rows"] == len(_read_csv(path))
    assert manifest["agreement"]["id"] == "connecting_families"
    assert manifest["geography_level"] == "ward"

    # The dictionary lists every column of every data file with a meaning.
    dictionary = _read_csv(result.folder / "data_dictionary.csv")
    for entry in manifest["files"]:
        if entry["dataset"]:
            header = next(csv.reader((result.folder / entry["name"]).open()))
            described = {d["column"] for d in dictionary if d["file"] == entry["name"]}
            assert described == set(header)
    assert all(d["meaning"] for d in dictionary)

    (row,) = _shares(warehouse)
    agreement_id, outcome, partner, datasets, level, files, output_dir, _, version = row
    assert (agreement_id, outcome, level) == ("connecting_families", "extracted", "ward")
    assert partner == register.get("connecting_families").partner
    assert version == register.get("connecting_families").version
    assert datasets == [d.name for d in register.get("connecting_families").datasets]
    assert output_dir == str(result.folder)
    assert {f["name"]: f["sha256"] for f in files} == {
        e["name"]: e["sha256"] for e in manifest["files"]
    }

    # A tampered file no longer verifies.
    data_file = next(e["name"] for e in manifest["files"] if e["dataset"])
    with (result.folder / data_file).open("a") as handle:
        handle.write("extra,row\n")
    assert verify_manifest(result.folder) == [f"{data_file}: checksum differs from the manifest"]


def _register_with(**dates) -> object:
    """The real Connecting Families terms with other dates (expired, not started...)."""
    import yaml

    data = yaml.safe_load(Path("config/sharing_agreements.yml").read_text())
    raw = next(a for a in data["agreements"] if a["id"] == "connecting_families")
    raw.update(dates)
    return parse_register({"agreements": [raw]})


def test_expired_agreement_refuses_and_writes_nothing(warehouse, workspace):
    register = _register_with(
        start=dt.date(2023, 4, 1), review=dt.date(2024, 3, 1), expiry=dt.date(2025, 3, 31)
    )
    _open_gate(warehouse, "share:connecting_families")

    with pytest.raises(SharingRefused, match="expired on 31 March 2025"):
        build_share(warehouse, "connecting_families", today=TODAY, register=register)

    assert not (workspace["output"] / "shares" / "connecting_families").exists() or not any(
        (workspace["output"] / "shares" / "connecting_families").iterdir()
    )
    (row,) = _shares(warehouse)
    assert row[1] == "refused" and "expired" in row[7]


def test_not_started_and_unknown_agreements_refuse(warehouse, workspace):
    register = _register_with(
        start=dt.date(2025, 9, 1), review=dt.date(2026, 9, 1), expiry=dt.date(2027, 9, 1)
    )
    with pytest.raises(SharingRefused, match="starts on 01 September 2025"):
        build_share(warehouse, "connecting_families", today=TODAY, register=register)
    with pytest.raises(SharingRefused, match="no data-sharing agreement 'nobody'"):
        build_share(warehouse, "nobody", today=TODAY, register=register)
    assert [row[1] for row in _shares(warehouse)] == ["refused", "refused"]


def test_closed_gate_keeps_the_last_good_extract(warehouse, workspace):
    register = load_register()
    _open_gate(warehouse, "share:connecting_families")
    first = build_share(warehouse, "connecting_families", today=TODAY, register=register)
    with psycopg.connect(warehouse) as conn:
        conn.execute("update input.freshness_overrides set revoked_at = now()")

    with pytest.raises(SharingRefused, match="Publication blocked") as refused:
        build_share(warehouse, "connecting_families", today=dt.date(2025, 8, 10), register=register)
    assert str(first.folder) in str(refused.value)
    assert verify_manifest(first.folder) == []
    assert not (first.folder.parent / "2025-08-10").exists()


def test_cli_refuses_with_a_clear_message_and_non_zero_exit(warehouse, workspace):
    from orchestration.commands.share import share

    runner = CliRunner()
    outcome = runner.invoke(share, ["connecting_families", "--today", "2029-01-01"])
    assert outcome.exit_code != 0
    assert "expired on 31 March 2028" in outcome.output
    listing = runner.invoke(share, ["--list", "--today", "2027-02-20"])
    assert listing.exit_code == 0
    assert "connecting_families" in listing.output and "review_due" in listing.output


def _return_file(folder: Path, rows: list[list[str]], header=None) -> Path:
    header = header or [
        "return_id",
        "partner",
        "council_code",
        "measure_code",
        "period_month",
        "area_type",
        "area_code",
        "value",
    ]
    path = folder / "partner_returns" / "wmp_2025_06.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


ASB_ROWS = [
    [
        "wmp-1",
        "west_mercia_police",
        BROMSGROVE,
        "asb_incidents",
        "2025-06-01",
        "ward",
        "E05015001",
        "4",
    ],
    [
        "wmp-2",
        "west_mercia_police",
        BROMSGROVE,
        "asb_incidents",
        "2025-06-01",
        "ward",
        "E05015002",
        "11",
    ],
]


def _raw_returns(url: str) -> int:
    with psycopg.connect(url) as conn:
        exists = conn.execute("select to_regclass('raw.partner_returns')").fetchone()[0]
        return (
            conn.execute("select count(*) from raw.partner_returns").fetchone()[0] if exists else 0
        )


def test_partner_return_loads_under_its_agreement(warehouse, workspace):
    path = _return_file(workspace["landing"], ASB_ROWS)
    result = receive_return(warehouse, path, "west_mercia_police_asb", today=TODAY)
    assert result.outcome == "loaded" and result.rows_loaded == 2
    assert _raw_returns(warehouse) == 2


def test_partner_return_with_wrong_schema_is_quarantined_with_a_report(warehouse, workspace):
    header = [
        "return_id",
        "partner",
        "council_code",
        "measure",
        "period_month",
        "area_type",
        "area_code",
        "value",
    ]
    path = _return_file(workspace["landing"], ASB_ROWS, header=header)

    with pytest.raises(ReturnRefused, match="measure_code") as refused:
        receive_return(warehouse, path, "west_mercia_police_asb", today=TODAY)

    report = refused.value.result.report_path
    assert report is not None and report.exists()
    assert report.is_relative_to(workspace["output"] / "quarantine" / "partner_returns")
    assert "measure_code" in report.read_text()
    assert (report.parent / path.name).exists() and not path.exists()
    assert _raw_returns(warehouse) == 0


def test_return_for_an_agreement_not_in_force_is_rejected(warehouse, workspace):
    path = _return_file(workspace["landing"], ASB_ROWS)
    with pytest.raises(ReturnRefused, match="expired on 31 March 2029"):
        receive_return(warehouse, path, "west_mercia_police_asb", today=dt.date(2029, 6, 1))
    assert _raw_returns(warehouse) == 0
    assert not path.exists()
    with psycopg.connect(warehouse) as conn:
        outcome, message = conn.execute(
            "select outcome, message from audit.loads where source = 'partner_returns'"
        ).fetchone()
    assert outcome == "rejected" and "expired" in message


def test_return_from_another_partner_is_rejected(warehouse, workspace):
    rows = [[*ASB_ROWS[0][:1], "worcestershire_county_council", *ASB_ROWS[0][2:]]]
    path = _return_file(workspace["landing"], rows)
    with pytest.raises(ReturnRefused, match="not covered by agreement west_mercia_police_asb"):
        receive_return(warehouse, path, "west_mercia_police_asb", today=TODAY)
    assert _raw_returns(warehouse) == 0


# A fresh demo on Saturday 5 December 2026 (Europe/London): every scheduled source has loaded its
# monthly batches up to October 2026, the latest month due. November is not due until 7 December
# (5th working day) for the earliest sources and 21 December (15th) for partner returns.
DEMO_TODAY = dt.date(2026, 12, 5)
# April 2025 (Q1 2025/26) to October 2026.
DEMO_MONTHS = [dt.date(2025 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(19)]
DUE_END = {"monthly": dt.date(2026, 10, 31), "quarterly": dt.date(2026, 9, 30)}  # Q2 2026/27


def _scheduled_sources() -> list[str]:
    from orchestration.lib import contracts
    from orchestration.lib.quality import freshness

    return [c.source for c in contracts.all_contracts().values() if freshness.has_rule(c)]


def _demo_warehouse(url: str, register) -> None:
    """Every agreed measure at every level for the demo's months, and the loads behind them;
    one source has also delivered a few rows for the first days of December."""
    measures = sorted({m for a in register.agreements for d in a.datasets for m in d.measures})
    rows = []
    for measure in measures:
        for month in DEMO_MONTHS:
            for council in (BROMSGROVE, REDDITCH):
                areas = [("council", council)]
                areas += [("ward", w) for w in WARDS[council]]
                areas += [("locality", loc) for loc in LOCALITIES[council]]
                for index, (kind, code) in enumerate(areas):
                    count = 20 + 3 * index
                    rows.append((measure, council, month, _month_end(month), kind, code, count))
    early = dt.date(2026, 12, 1)
    rows += [("ena_contacts_total", BROMSGROVE, early, _month_end(early), "locality", "BDC-L1", 9)]
    with psycopg.connect(url) as conn:
        conn.execute(
            """create table marts.fct_measure_values (
                measure_id text, council_code text, period_start date, period_end date,
                geography_type text, geography_code text, numerator numeric,
                denominator numeric, value numeric, status text,
                loaded_at timestamptz default now())"""
        )
        with conn.cursor() as cur:
            cur.executemany(
                """insert into marts.fct_measure_values (measure_id, council_code, period_start,
                   period_end, geography_type, geography_code, numerator, denominator, value,
                   status) values (%s, %s, %s, %s, %s, %s, %s, null, %s, 'final')""",
                [(*row, row[-1]) for row in rows],
            )
            batches = [
                (source, f"{source}_{month:%Y_%m}.csv", month, _month_end(month))
                for source in _scheduled_sources()
                for month in DEMO_MONTHS
            ]
            batches.append(("crm_contacts", "crm_contacts_2026_12_early.csv", early, early))
            cur.executemany(
                """insert into audit.loads (batch_id, source, file_name, file_checksum,
                   file_bytes, period_start, period_end, rows_read, rows_loaded, outcome,
                   finished_at) values (gen_random_uuid(), %s, %s, md5(%s), 100, %s, %s, 10, 10,
                   'loaded', now())""",
                [(source, name, name, start, end) for source, name, start, end in batches],
            )


@pytest.fixture
def demo_like(activated):
    register = load_register()
    _demo_warehouse(activated, register)
    return activated, register


def test_every_agreement_in_force_shares_its_latest_due_period_on_5_december(demo_like, workspace):
    from orchestration.commands.share import share

    url, register = demo_like
    in_force = [a for a in register.agreements if a.status(DEMO_TODAY).in_force]
    assert {a.frequency for a in in_force} == {"monthly", "quarterly"}
    runner = CliRunner()
    for agreement in in_force:
        # No Policy Team override: the gate is open because nothing due is missing.
        outcome = runner.invoke(share, [agreement.id, "--today", DEMO_TODAY.isoformat()])
        assert outcome.exit_code == 0, outcome.output
        end = DUE_END[agreement.frequency]
        assert f"to {end}" in outcome.output
        manifest = json.loads(
            (shares_folder(workspace, agreement.id) / "manifest.json").read_text()
        )
        assert manifest["period_end"] == end.isoformat()
        assert "has not been loaded" not in " ".join(manifest["gate_warnings"])
        for dataset in agreement.datasets:
            rows = _read_csv(shares_folder(workspace, agreement.id) / f"{dataset.name}.csv")
            assert max(dt.date.fromisoformat(r["period_end"]) for r in rows) == end
    assert [row[1] for row in _shares(url)] == ["extracted"] * len(in_force)


def shares_folder(workspace, agreement_id: str) -> Path:
    return workspace["output"] / "shares" / agreement_id / DEMO_TODAY.isoformat()


def test_a_month_overdue_from_one_source_still_refuses_the_extract(demo_like, workspace):
    url, register = demo_like
    with psycopg.connect(url) as conn:
        conn.execute(
            "delete from audit.loads where source = 'crm_contacts' and period_start = %s",
            (dt.date(2026, 10, 1),),
        )
    with pytest.raises(SharingRefused) as refused:
        build_share(url, "west_mercia_police_asb", today=DEMO_TODAY, register=register)
    message = str(refused.value)
    assert "crm_contacts: data for October 2026 has not been loaded" in message
    assert "due by 06 November 2026" in message
    assert not shares_folder(workspace, "west_mercia_police_asb").exists()


def test_once_november_is_due_from_every_source_it_is_needed(demo_like, workspace):
    # 21 December 2026: November is due from every source (partner returns: 15th working day),
    # so the monthly extract covers November, and without November's loads it is refused.
    url, register = demo_like
    late = dt.date(2026, 12, 21)
    with pytest.raises(SharingRefused, match="data for November 2026 has not been loaded"):
        build_share(url, "connecting_families", today=late, register=register)
    (row,) = _shares(url)
    assert row[1] == "refused" and "November 2026" in row[7]
    # The quarterly agreement still covers Q2 (July-September), all loaded: it goes out.
    result = build_share(url, "sunrise", today=late, register=register)
    assert result.period_end == dt.date(2026, 9, 30)
