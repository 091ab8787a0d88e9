"""Columns a contract lets a file leave out (optional_columns) load as NULL; others are required
in the header, and a raw table from before a column was added gains it."""

import csv
import io
from pathlib import Path

import psycopg
import pytest

from orchestration.lib.ingest import loaders

pytestmark = pytest.mark.integration

TIMES = ["received_at", "completed_at"]


def _drop_columns(path: Path, names: list[str], quote_header: bool = False) -> Path:
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    keep = [i for i, name in enumerate(rows[0]) if name not in names]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    header = [rows[0][i] for i in keep]
    if quote_header:  # a quoted header takes the full check instead of the quick screen
        out.write(",".join(f'"{name}"' for name in header) + "\n")
    else:
        writer.writerow(header)
    writer.writerows([row[i] for i in keep] for row in rows[1:])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def _times(url: str) -> tuple[int, int, int]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*), count(received_at), count(completed_at) from raw.service_cases"
        ).fetchone()


def _timed_rows(path: Path) -> tuple[int, int]:
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    return sum(r["received_at"] != "" for r in rows), sum(r["completed_at"] != "" for r in rows)


@pytest.mark.parametrize("quote_header", [False, True], ids=["screened", "full check"])
def test_a_file_without_the_optional_columns_loads_them_as_null(activated, good, quote_header):
    path = _drop_columns(good("service_cases"), TIMES, quote_header)
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "loaded", [p.as_line() for p in result.problems]
    assert _times(activated) == (result.rows_loaded, 0, 0)
    assert result.rows_loaded == len(path.read_text().splitlines()) - 1


def test_a_file_with_the_times_loads_them(activated, good):
    path = good("service_cases")
    received, completed = _timed_rows(path)
    assert received > 0 and completed > 0
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "loaded"
    assert _times(activated) == (result.rows_loaded, received, completed)


@pytest.mark.parametrize("column", ["completed_date", "uprn"])
def test_a_file_without_any_other_column_is_still_refused(activated, good, column):
    path = _drop_columns(good("service_cases"), [column])
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "rejected"
    assert any(p.column == column and "missing" in p.message for p in result.problems)


def test_a_raw_table_from_before_the_times_gains_them(activated, good, demo_dir):
    first = loaders.ingest_file(activated, _drop_columns(good("service_cases"), TIMES))
    with psycopg.connect(activated) as conn:  # a warehouse from before the columns
        conn.execute(
            "alter table raw.service_cases drop column received_at, drop column completed_at"
        )
    later = good("service_cases", sorted((demo_dir / "service_cases").glob("*.csv"))[1].name)
    received, completed = _timed_rows(later)
    second = loaders.ingest_file(activated, later)
    assert second.outcome == "loaded", [p.as_line() for p in second.problems]
    assert _times(activated) == (first.rows_loaded + second.rows_loaded, received, completed)
