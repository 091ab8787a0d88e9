"""Faults in the landing zone, as a clumsy sender or an attacker would cause them, run through
the raw asset exactly as `bdc run` and the sensors run it, against PostgreSQL.

Each test names the finding it reproduces: corrections that flip-flop, one bad file blocking a
source, half-written files, links out of the landing zone, and withdrawing a batch.
"""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import openpyxl
import psycopg
import pytest

from orchestration.defs.ingest.assets import build_raw_asset
from orchestration.lib import contracts
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.ingest import loaders

pytestmark = pytest.mark.integration


def run_source(url: str, source: str) -> dg.MaterializeResult:
    """One `bdc run --select key:raw/<source>`: the raw asset, materialised by Dagster."""
    result = dg.materialize(
        [build_raw_asset(contracts.get(source))],
        resources={"warehouse": WarehouseResource(url=url)},
        instance=dg.DagsterInstance.ephemeral(),
    )
    assert result.success
    return result.asset_materializations_for_node(f"raw__{source}")[0].metadata


def rows_by_channel(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        return dict(
            conn.execute("select channel, count(*) from raw.crm_contacts group by 1").fetchall()
        )


def outcomes(url: str, source: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select file_name, outcome from audit.loads where source = %s order by started_at",
            (source,),
        ).fetchall()


def corrected(original: Path, name: str, folder: Path | None = None) -> Path:
    """A corrected extract of the same month: every 'phone' contact was really 'web'."""
    lines = original.read_text().splitlines()
    column = lines[0].split(",").index("channel")
    fixed = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[column] == "phone":
            cells[column] = "web"
        fixed.append(",".join(cells))
    target = (folder or original.parent) / name
    target.write_text("\n".join(fixed) + "\n")
    later = original.stat().st_mtime + 60  # it arrived after the original
    os.utime(target, (later, later))
    return target


def settle(*paths: Path) -> None:
    """Age the files past the settling time, as a file dropped a while ago would be."""
    past = time.time() - 60
    for path in paths:
        os.utime(path, (past, past), follow_symlinks=False)


def test_three_runs_with_a_correction_beside_the_original_leave_the_same_rows(activated, good):
    original = good("crm_contacts")
    settle(original)
    run_source(activated, "crm_contacts")
    before = rows_by_channel(activated)
    assert before.get("phone", 0) > 0
    fix = corrected(original, original.stem + "_corrected.csv")
    settle(fix)
    os.utime(fix, (time.time() - 30, time.time() - 30))  # newer than the original

    seen = []
    for _ in range(3):
        run_source(activated, "crm_contacts")
        seen.append(rows_by_channel(activated))
    assert seen[0] == seen[1] == seen[2], "each run must leave the same rows"
    assert "phone" not in seen[0] and seen[0]["web"] == before.get("web", 0) + before["phone"]
    assert outcomes(activated, "crm_contacts") == [
        (original.name, "superseded"),
        (fix.name, "loaded"),
    ], "the correction supersedes the original once, and nothing is reloaded"


def test_a_correction_loaded_with_bdc_ingest_is_not_undone_by_the_next_run(
    activated, good, tmp_path
):
    original = good("crm_contacts")
    settle(original)
    run_source(activated, "crm_contacts")
    outside = tmp_path / "sent-by-email"
    outside.mkdir()
    fix = corrected(original, original.name, outside)
    assert loaders.ingest_file(activated, fix, source="crm_contacts").outcome == "loaded"
    after_correction = rows_by_channel(activated)
    for _ in range(2):
        run_source(activated, "crm_contacts")
        assert rows_by_channel(activated) == after_correction
    again = loaders.ingest_file(activated, original)
    assert again.outcome == "superseded" and "not loaded again" in again.summary()
    assert rows_by_channel(activated) == after_correction


def test_a_gazetteer_correction_is_not_reverted_by_the_next_run(activated, good, tmp_path):
    gazetteer = good("gazetteer")
    settle(gazetteer)
    run_source(activated, "gazetteer")
    lines = gazetteer.read_text().splitlines()
    fix = tmp_path / "gazetteer.csv"
    fix.write_text("\n".join(lines[:-10]) + "\n")  # ten properties demolished
    assert loaders.ingest_file(activated, fix, source="gazetteer").outcome == "loaded"
    run_source(activated, "gazetteer")
    with psycopg.connect(activated) as conn:
        assert conn.execute("select count(*) from raw.gazetteer").fetchone()[0] == len(lines) - 11


def test_a_corrupt_workbook_is_quarantined_and_the_other_files_still_load(
    activated, good, workspace
):
    first = good("crm_contacts")
    broken = workspace["landing"] / "crm_contacts" / "crm_contacts_2023-05.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a complete workbook")
    settle(first, broken)
    metadata = run_source(activated, "crm_contacts")
    assert metadata["files_loaded"].value == 1 and metadata["files_rejected"].value == 1
    assert not broken.exists(), "moved to the quarantine"
    report = next((workspace["output"] / "quarantine" / "crm_contacts").glob("*/report.txt"))
    assert "damaged or not really an Excel" in report.read_text()
    assert (broken.name, "rejected") in outcomes(activated, "crm_contacts")
    metadata = run_source(activated, "crm_contacts")  # the next run does not trip over it
    assert metadata["files_rejected"].value == 0 and metadata["files_already_loaded"].value == 1


def test_a_workbook_with_no_sheet_data_is_a_clear_rejection(activated, good, workspace):
    path = workspace["landing"] / "crm_contacts" / "empty.xlsx"
    path.parent.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook()
    book.save(path)
    settle(path)
    metadata = run_source(activated, "crm_contacts")
    assert metadata["files_rejected"].value == 1
    assert not path.exists()


def test_links_are_refused_unread_and_never_followed(activated, good, workspace, tmp_path):
    secret = tmp_path / "private" / "salaries.csv"
    secret.parent.mkdir()
    secret.write_text("name,salary\nJane Example,41000\n")
    other = good("service_cases")  # a file of another source
    folder = workspace["landing"] / "crm_contacts"
    folder.mkdir(parents=True, exist_ok=True)
    os.symlink(secret, folder / "crm_contacts_2023-07.csv")
    os.symlink(other, folder / "crm_contacts_2023-08.csv")
    first = good("crm_contacts")
    settle(first, folder / "crm_contacts_2023-07.csv", folder / "crm_contacts_2023-08.csv")

    metadata = run_source(activated, "crm_contacts")
    assert metadata["files_loaded"].value == 1 and metadata["files_rejected"].value == 2
    assert secret.read_text().startswith("name,salary"), "the target is left alone"
    assert other.exists()
    quarantined = list((workspace["output"] / "quarantine" / "crm_contacts").rglob("*"))
    reports = [path for path in quarantined if path.name in ("report.txt", "problems.csv")]
    assert len(reports) == 4
    text = "".join(path.read_text() for path in reports)
    assert "symbolic link" in text
    assert "Jane" not in text and "41000" not in text and "salary" not in text
    with psycopg.connect(activated) as conn:
        messages = " ".join(
            row[0] for row in conn.execute("select message from audit.loads where message<>''")
        )
    assert "Jane" not in messages and "salary" not in messages
    assert not any(path.is_symlink() for path in folder.iterdir())
    assert run_source(activated, "crm_contacts")["files_rejected"].value == 0


def _write_slowly(path: Path, head: str, tail: str, pieces: int = 10) -> threading.Thread:
    """Write `head` now and `tail` in pieces over the next few seconds, as a slow copy would:
    whenever a run looks, the file changes again within the settling time."""
    path.write_text(head)
    size = -(-len(tail) // pieces)

    def finish():
        for start in range(0, len(tail), size):
            time.sleep(0.3)
            with path.open("a") as handle:
                handle.write(tail[start : start + size])

    writer = threading.Thread(target=finish)
    writer.start()
    return writer


@pytest.mark.parametrize("cut", ["line", "mid-line"])
def test_a_file_still_being_written_is_not_loaded_or_moved(activated, demo_dir, workspace, cut):
    source = sorted((demo_dir / "crm_contacts").glob("*.csv"))[0].read_text()
    half = len(source) // 2
    cut_at = source.index("\n", half) + 1 if cut == "line" else half
    path = workspace["landing"] / "crm_contacts" / "crm_contacts_2023-04.csv"
    path.parent.mkdir(parents=True)
    writer = _write_slowly(path, source[:cut_at], source[cut_at:])
    metadata = run_source(activated, "crm_contacts")
    writer.join()
    assert metadata["files_loaded"].value == 0 and metadata["files_rejected"].value == 0
    assert metadata["files_still_arriving"].value == 1
    assert path.exists() and path.read_text() == source, "left where it is, complete"
    assert outcomes(activated, "crm_contacts") == []

    metadata = run_source(activated, "crm_contacts")  # once it has stopped changing
    assert metadata["files_loaded"].value == 1
    with psycopg.connect(activated) as conn:
        loaded = conn.execute("select count(*) from raw.crm_contacts").fetchone()[0]
    assert loaded == len(source.splitlines()) - 1, "every row, not the half first seen"


def test_temporary_names_wait_for_the_rename(activated, good, workspace):
    path = good("crm_contacts")
    partial = path.with_name(path.name + ".part")
    path.rename(partial)
    settle(partial)
    assert run_source(activated, "crm_contacts")["files_loaded"].value == 0
    partial.rename(path)
    assert run_source(activated, "crm_contacts")["files_loaded"].value == 1


def _bdc(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "bdc"), *args], capture_output=True, text=True
    )


def test_withdrawing_a_batch_takes_its_rows_out_for_good_and_is_audited(activated, good):
    first, second = good("crm_contacts"), good("crm_contacts", "crm_contacts_2023-05.csv")
    settle(first, second)
    run_source(activated, "crm_contacts")
    with psycopg.connect(activated) as conn:
        batch, rows = conn.execute(
            """select batch_id::text, rows_loaded from audit.loads
               where file_name = %s""",
            (second.name,),
        ).fetchone()
        total = conn.execute("select count(*) from raw.crm_contacts").fetchone()[0]

    refused = _bdc("withdraw", batch, "--reason", " ", "--no-rebuild")
    assert refused.returncode != 0 and "say why" in refused.stderr
    done = _bdc("withdraw", batch, "--reason", "sent in error", "--no-rebuild")
    assert done.returncode == 0, done.stderr
    assert f"{rows:,} rows left raw.crm_contacts" in done.stdout
    with psycopg.connect(activated) as conn:
        assert conn.execute("select count(*) from raw.crm_contacts").fetchone()[0] == total - rows
        outcome, by, reason = conn.execute(
            "select outcome, withdrawn_by, withdrawn_reason from audit.loads where batch_id = %s",
            (batch,),
        ).fetchone()
    assert (outcome, reason) == ("withdrawn", "sent in error") and by

    assert run_source(activated, "crm_contacts")["files_loaded"].value == 0, "never reloaded"
    twice = _bdc("withdraw", batch, "--reason", "again", "--no-rebuild")
    assert twice.returncode != 0 and "is withdrawn, not loaded" in twice.stderr
    assert "Traceback" not in twice.stderr
    unknown = _bdc("withdraw", "not-a-batch", "--reason", "x", "--no-rebuild")
    assert unknown.returncode != 0 and "is not a batch id" in unknown.stderr


def test_a_quarantined_file_dropped_again_unchanged_is_tried_again_by_bdc_ingest(
    activated, good, workspace
):
    path = good("crm_contacts")
    lines = path.read_text().splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[0], "", 1)  # a missing contact id
    path.write_text("\n".join(lines) + "\n")
    settle(path)
    assert run_source(activated, "crm_contacts")["files_rejected"].value == 1
    quarantined = next((workspace["output"] / "quarantine" / "crm_contacts").glob(f"*/{path.name}"))
    shutil.copyfile(quarantined, path)
    settle(path)
    metadata = run_source(activated, "crm_contacts")
    assert metadata["files_rejected"].value == 0, "a run skips content refused before"
    assert loaders.ingest_file(activated, path).outcome == "rejected", "a person may retry"


def test_two_loads_of_one_file_at_once_load_it_once(activated, good):
    path = good("crm_contacts")
    expected = len(path.read_text().splitlines()) - 1
    outcomes_seen = []
    barrier = threading.Barrier(2)

    def load():
        barrier.wait()
        result = loaders.ingest_file(activated, path, quarantine=False)
        outcomes_seen.append(result.outcome)

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes_seen) == ["duplicate", "loaded"]
    with psycopg.connect(activated) as conn:
        assert conn.execute("select count(*) from raw.crm_contacts").fetchone()[0] == expected
        loaded = conn.execute(
            "select count(*) from audit.loads where outcome = 'loaded'"
        ).fetchone()[0]
    assert loaded == 1


def test_a_problem_far_down_a_long_file_is_named_by_its_line(activated, good):
    path = good("crm_contacts")
    lines = path.read_text().splitlines()
    header, row = lines[0], lines[1].split(",")
    key = header.split(",").index("contact_id")
    channel = header.split(",").index("channel")
    body = []
    for number in range(2, 60_002):
        cells = list(row)
        cells[key] = f"C{number:08d}"
        if number == 50_000:
            cells[channel] = "pigeon"
        body.append(",".join(cells))
    path.write_text("\n".join([header, *body]) + "\n")
    result = loaders.ingest_file(activated, path)
    assert result.outcome == "rejected"
    assert [problem.row for problem in result.problems] == [50_000]
    assert result.problems[0].column == "channel"
