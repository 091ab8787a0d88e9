"""The intake never loses or corrupts data: every bad input a council sends, against PostgreSQL."""

import csv
import subprocess
import sys
from datetime import date
from pathlib import Path

import openpyxl
import psycopg
import pytest

from orchestration.lib import checksums, contracts
from orchestration.lib.ingest import landing, loaders, screening

pytestmark = pytest.mark.integration


def _counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "select tablename from pg_tables where schemaname = 'raw' order by 1"
            )
        ]
        return {t: conn.execute(f'select count(*) from raw."{t}"').fetchone()[0] for t in tables}


def _rewrite(path: Path, transform) -> Path:
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join(transform(lines)) + "\n", encoding="utf-8")
    return path


def _set_cell(lines: list[str], row: int, column: str, value: str) -> list[str]:
    header = lines[0].split(",")
    cells = lines[row].split(",")
    cells[header.index(column)] = value
    lines[row] = ",".join(cells)
    return lines


def test_a_valid_file_loads_in_one_batch_with_its_audit_row(activated, good):
    path = good("crm_contacts")
    result = loaders.ingest_file(activated, path)
    expected_rows = len(path.read_text().splitlines()) - 1
    assert result.outcome == "loaded" and result.rows_loaded == expected_rows
    with psycopg.connect(activated) as conn:
        batches = conn.execute(
            "select count(distinct _batch_id), min(_source_file) from raw.crm_contacts"
        ).fetchone()
        audit = conn.execute(
            "select rows_read, rows_loaded, rows_rejected, outcome, file_checksum, period_start "
            "from audit.loads"
        ).fetchone()
    assert batches == (1, path.name)
    assert audit[:4] == (expected_rows, expected_rows, 0, "loaded")
    assert audit[4] == checksums.sha256_file(path)
    assert str(audit[5]) == "2023-04-01"


def test_raw_tables_have_key_and_range_indexes_and_older_ones_gain_them(activated, good, demo_dir):
    def indexes() -> dict[str, str]:
        with psycopg.connect(activated) as conn:
            rows = conn.execute(
                "select indexname, indexdef from pg_indexes "
                "where schemaname = 'raw' and tablename = 'crm_contacts'"
            ).fetchall()
        return {name: definition.split(" USING ", 1)[1] for name, definition in rows}

    wanted = {
        "crm_contacts__pk": "btree (contact_id)",
        # What changed since the last build, and the months to recount (dbt's month facts).
        "crm_contacts__ranges": "brin (_loaded_at, received_at)",
    }
    loaders.ingest_file(activated, good("crm_contacts"))
    assert indexes() == wanted
    with psycopg.connect(activated) as conn:  # a warehouse from before the range indexes
        conn.execute("drop index raw.crm_contacts__ranges")
    later = sorted((demo_dir / "crm_contacts").glob("*.csv"))[1].name
    assert loaders.ingest_file(activated, good("crm_contacts", later)).outcome == "loaded"
    assert indexes() == wanted


def test_the_same_file_twice_is_a_no_op(activated, good):
    path = good("crm_contacts")
    loaders.ingest_file(activated, path)
    before = _counts(activated)
    again = loaders.ingest_file(activated, path)
    assert again.outcome == "duplicate"
    assert _counts(activated) == before


def test_only_files_whose_content_is_not_loaded_are_taken_up(activated, good, demo_dir):
    first = good("crm_contacts")
    loaders.ingest_file(activated, first)
    second = good("crm_contacts", sorted((demo_dir / "crm_contacts").glob("*.csv"))[1].name)
    scan = landing.scan_landing(activated, "crm_contacts")
    assert (scan.to_load, scan.already) == ([second], 1)
    _rewrite(first, lambda lines: lines[:-5])  # a corrected extract is new content
    # Oldest arrival first: the correction, written last, is loaded last.
    scan = landing.scan_landing(activated, "crm_contacts")
    assert (scan.to_load, scan.already) == ([second, first], 0)


def test_a_corrected_file_for_the_same_period_replaces_the_batch(activated, good):
    path = good("crm_contacts")
    first = loaders.ingest_file(activated, path)
    _rewrite(path, lambda lines: lines[:-5])  # the corrected extract has five fewer contacts
    second = loaders.ingest_file(activated, path)
    assert second.outcome == "loaded" and second.replaced_batches == [first.batch_id]
    with psycopg.connect(activated) as conn:
        rows = conn.execute("select count(*), count(distinct _batch_id) from raw.crm_contacts")
        assert rows.fetchone() == (first.rows_loaded - 5, 1)
        outcomes = conn.execute("select outcome from audit.loads order by started_at").fetchall()
    assert [row[0] for row in outcomes] == ["superseded", "loaded"]


def test_files_load_in_order_on_one_connection_and_the_full_check_loads_the_same(
    activated, good, demo_dir
):
    names = [path.name for path in sorted((demo_dir / "crm_contacts").glob("*.csv"))[:2]]
    first, second = good("crm_contacts", names[0]), good("crm_contacts", names[1])
    assert screening.screen(
        first.read_text(),
        screening.header_of(first.read_text()),
        contracts.get("crm_contacts"),
        {},
        date.today(),
    ), "a clean demo file passes the quick screen"
    # The same month again with a quoted cell: clean, but the screen leaves it to the full check.
    corrected = first.with_name("crm_contacts_corrected.csv")
    corrected.write_text(_quote_team(first.read_text()))
    results = loaders.ingest_files(activated, [first, second, corrected, second])
    assert [result.outcome for result in results] == ["loaded", "loaded", "loaded", "duplicate"]
    assert results[2].replaced_batches == [results[0].batch_id]
    with psycopg.connect(activated) as conn:
        batches = dict(
            conn.execute(
                "select _source_file, count(*) from raw.crm_contacts group by 1"
            ).fetchall()
        )
        team = conn.execute(
            "select team from raw.crm_contacts where _source_file = %s limit 1", (corrected.name,)
        ).fetchone()[0]
    assert batches == {second.name: results[1].rows_loaded, corrected.name: results[0].rows_loaded}
    assert '"' not in team and team


def _quote_team(text: str) -> str:
    lines = text.splitlines()
    position = lines[0].split(",").index("team")
    cells = lines[1].split(",")
    cells[position] = f'"{cells[position]}"'
    lines[1] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("blank_line", [False, True])
def test_windows_line_endings_load_with_or_without_a_blank_line(activated, good, blank_line):
    path = good("crm_contacts")
    lines = path.read_text().splitlines()
    if blank_line:
        lines.insert(3, "")
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "loaded", result.summary()
    assert result.rows_loaded == len([line for line in lines if line]) - 1
    with psycopg.connect(activated) as conn:
        teams = conn.execute("select count(*) from raw.crm_contacts where team like '%%\r'")
        assert teams.fetchone()[0] == 0


def test_reordered_columns_a_bom_and_windows_1252_are_accepted(activated, good):
    path = good("crm_contacts")
    lines = path.read_text().splitlines()
    columns = [line.split(",") for line in lines]
    reordered = "\n".join(",".join(reversed(cells)) for cells in columns) + "\n"
    path.write_bytes(b"\xef\xbb\xbf" + reordered.encode())
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "loaded" and result.encoding == "utf-8-sig"

    gazetteer = good("gazetteer")
    lines = gazetteer.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("locality")] = "Caf\u00e9 Quarter \u2013 North"
    lines[1] = ",".join(cells)
    gazetteer.write_bytes(("\n".join(lines) + "\n").encode("cp1252"))
    result = loaders.ingest_file(activated, gazetteer)
    assert result.outcome == "loaded", result.summary()
    assert result.encoding == "windows-1252"
    with psycopg.connect(activated) as conn:
        localities = {row[0] for row in conn.execute("select distinct locality from raw.gazetteer")}
    assert "Caf\u00e9 Quarter \u2013 North" in localities


BAD_INPUTS = {
    "missing column": lambda lines: [",".join(line.split(",")[:-1]) for line in lines],
    "renamed column": lambda lines: [lines[0].replace("channel", "contact_channel"), *lines[1:]],
    "extra column": lambda lines: [lines[0] + ",notes", *[line + ",x" for line in lines[1:]]],
    "bad date": lambda lines: _set_cell(lines, 3, "received_at", "2023-02-30 10:00:00"),
    "future date": lambda lines: _set_cell(lines, 2, "received_at", "2099-01-01 09:00:00"),
    "duplicate key": lambda lines: [*lines, lines[1]],
    "unknown service code": lambda lines: _set_cell(lines, 1, "service", "astrology"),
    "header only": lambda lines: lines[:1],
    "formula with =": lambda lines: _set_cell(lines, 1, "contact_id", '=HYPERLINK("x")'),
    "formula with +": lambda lines: _set_cell(lines, 1, "contact_id", "+cmd"),
    "formula with @": lambda lines: _set_cell(lines, 1, "contact_id", "@SUM(A1)"),
    "formula with - not followed by a digit": lambda lines: _set_cell(lines, 1, "contact_id", "-x"),
    "truncated last line": lambda lines: [*lines[:-1], lines[-1].rsplit(",", 3)[0]],
    "enormous field": lambda lines: _set_cell(lines, 1, "contact_id", "A" * 200_000),
    "non-boolean": lambda lines: _set_cell(lines, 1, "resolved_at_first_point", "maybe"),
}


@pytest.mark.parametrize("defect", sorted(BAD_INPUTS))
def test_bad_crm_files_are_rejected_whole_and_quarantined(activated, good, workspace, defect):
    earlier = good("crm_contacts", "crm_contacts_2023-04.csv")
    assert loaders.ingest_file(activated, earlier).outcome == "loaded"
    before = _counts(activated)
    path = good("crm_contacts", "crm_contacts_2023-05.csv")
    _rewrite(path, BAD_INPUTS[defect])
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "rejected", defect
    assert result.problems, defect
    assert _counts(activated) == before
    assert not path.exists()
    report = result.report_path.read_text()
    assert "Nothing from this file was loaded" in report
    assert result.report_path.parent.joinpath(path.name).exists()
    with psycopg.connect(activated) as conn:
        audit = conn.execute(
            "select outcome, rows_loaded from audit.loads where file_name = %s", (path.name,)
        ).fetchone()
    assert audit == ("rejected", 0)


def test_the_problems_file_guards_rejected_formulas(activated, good):
    path = good("crm_contacts", "crm_contacts_2023-05.csv")
    _rewrite(path, lambda lines: _set_cell(lines, 1, "contact_id", '=HYPERLINK("http://x")'))
    _rewrite(path, lambda lines: _set_cell(lines, 2, "contact_id", "+cmd|' /C calc'!A0"))
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "rejected"
    with (result.report_path.parent / "problems.csv").open(newline="") as handle:
        values = [row["value"] for row in csv.DictReader(handle)]
    assert '\'=HYPERLINK("http://x")' in values and "'+cmd|' /C calc'!A0" in values
    assert not any(value.startswith(("=", "+", "@")) for value in values)


@pytest.mark.parametrize(
    "content,where,message",
    [
        ("utf-16", None, "saved as UTF-16"),
        ("utf-16-no-bom", None, "saved as UTF-16"),
        ("nul", (3, 4), "is a NUL byte"),
        ("control", (2, 1), "control character U+0007"),
        ("not-windows-1252", (2, 6), "byte 0x81 is neither UTF-8 nor Windows-1252"),
    ],
)
def test_encodings_and_control_characters_are_named_with_line_and_character(
    activated, good, content, where, message
):
    path = good("crm_contacts")
    text = path.read_text()
    lines = text.splitlines()
    if content == "utf-16":
        path.write_bytes(text.encode("utf-16"))
    elif content == "utf-16-no-bom":
        path.write_bytes(text.encode("utf-16-le"))
    elif content == "nul":
        lines[2] = lines[2][:3] + "\x00" + lines[2][3:]
        path.write_bytes(("\n".join(lines) + "\n").encode())
    elif content == "control":
        lines[1] = "\x07" + lines[1]
        path.write_bytes(("\n".join(lines) + "\n").encode())
    else:
        data = ("\n".join(lines) + "\n").encode()
        at = len(lines[0]) + 1 + 5
        path.write_bytes(data[:at] + b"\x81" + data[at:])
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "rejected"
    problem = result.problems[0]
    assert message in problem.message, problem.as_line()
    if where is not None:
        assert problem.row == where[0] and f"character {where[1]}" in problem.message
    assert "database" not in problem.message


def test_a_latin_1_file_loads_as_windows_1252(activated, good):
    path = good("gazetteer")
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("locality")] = "Alvechurch \u00e0 la carte"
    lines[1] = ",".join(cells)
    path.write_bytes(("\n".join(lines) + "\n").encode("latin-1"))
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "loaded" and result.encoding == "windows-1252"


@pytest.mark.parametrize("uprn", ["twelve", "1234567890123", "12 34", "-5"])
def test_an_identifier_that_is_not_a_uprn_is_rejected(activated, good, uprn):
    path = _rewrite(good("gazetteer"), lambda lines: _set_cell(lines, 1, "uprn", uprn))
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "rejected"
    assert result.problems[0].as_line().startswith("line 2, column 'uprn': is not a UPRN")


@pytest.mark.parametrize(
    "source,column,value,message",
    [
        ("finance_ledger", "actual", "twelve", "is not a number"),
        ("hr_enabling", "sickness_days", "-3", "below the minimum"),
        ("partner_returns", "area_code", "E05099999", "not a known code"),
    ],
)
def test_bad_numbers_and_unknown_ward_codes_are_rejected(
    activated, good, source, column, value, message
):
    loaders.ingest_file(activated, good("gazetteer"))
    before = _counts(activated)
    path = _rewrite(good(source), lambda lines: _set_cell(lines, 1, column, value))
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "rejected"
    assert any(message in problem.message for problem in result.problems), result.summary()
    assert _counts(activated) == before


def test_an_empty_file_and_undecodable_bytes_are_rejected(activated, good):
    empty = good("crm_contacts")
    empty.write_bytes(b"")
    assert loaders.ingest_file(activated, empty).outcome == "rejected"
    binary = good("crm_contacts", "crm_contacts_2023-05.csv")
    binary.write_bytes(binary.read_bytes()[:200] + b"\x81\x8d\x8f\x90\x9d" * 3)
    result = loaders.ingest_file(activated, binary)
    assert result.outcome == "rejected"


def _xlsx(path: Path, sheets: dict[str, list[list[str]]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_xlsx_with_one_sheet_loads_and_with_several_is_rejected(activated, good, workspace):
    csv_path = good("crm_contacts")
    rows = [line.split(",") for line in csv_path.read_text().splitlines()]
    csv_path.unlink()
    single = _xlsx(workspace["landing"] / "crm_contacts" / "contacts.xlsx", {"Sheet1": rows})
    result = loaders.ingest_file(activated, single)
    assert result.outcome == "loaded", result.summary()
    assert result.rows_loaded == len(rows) - 1
    before = _counts(activated)
    several = _xlsx(
        workspace["landing"] / "crm_contacts" / "two.xlsx",
        {"Contacts": rows[:1] + rows[1:3], "Notes": [["anything"]]},
    )
    result = loaders.ingest_file(activated, several)
    assert result.outcome == "rejected" and "sheets" in result.problems[0].message
    assert _counts(activated) == before


def test_bdc_ingest_exits_non_zero_with_a_readable_report(activated, good):
    path = _rewrite(good("crm_contacts"), lambda lines: _set_cell(lines, 1, "channel", "pigeon"))
    run = subprocess.run(
        [str(Path(sys.executable).parent / "bdc"), "ingest", str(path)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 1
    assert "rejected, nothing loaded" in run.stderr
    assert "line 2, column 'channel'" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_longer_published_series_replaces_the_shorter_one(activated, workspace, tmp_path):
    # A published series in the tidy stats shape (as a council's own extract would arrive),
    # first to 2022-23, then a year longer.
    rows = ["area_code,area_name,period_start,period_end,series,value"] + [
        f"E07000234,Bromsgrove,{year}-04-01,{year + 1}-03-31,"
        f"household_waste_recycling_rate_pct,{40 + year % 10}.5"
        for year in range(2015, 2024)
    ]
    target = workspace["landing"] / "stats_recycling"
    target.mkdir()
    first = target / "stats_recycling.csv"
    first.write_text("\n".join(rows[:-1]) + "\n")
    assert loaders.ingest_file(activated, first).outcome == "loaded"
    first.write_text("\n".join(rows) + "\n")
    second = loaders.ingest_file(activated, first)
    assert second.outcome == "loaded", second.summary()
    assert len(second.replaced_batches) == 1
