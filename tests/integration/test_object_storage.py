"""Landing zone and outputs on object storage: the intake, the quarantine, the site and the
report packs against a local S3 server (moto's server mode) started by the tests, with the
tests' real PostgreSQL."""

import hashlib
import os
import shutil
import socket
import threading
import time
import uuid
from datetime import UTC, datetime

import dagster as dg
import psycopg
import pytest
import s3fs
from moto.server import ThreadedMotoServer

from orchestration.defs.ingest.sensors import build_landing_sensor
from orchestration.lib import checksums, storage
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.ingest import landing, loaders
from orchestration.lib.publishing import build as site_build
from orchestration.lib.publishing import data, publish
from orchestration.lib.quality.gate import GateDecision
from orchestration.lib.reporting import build as report_build
from orchestration.lib.reporting import freeze, publication
from orchestration.lib.sharing.returns import receive_landing_files
from tests.integration.test_reports import load_fixture as load_report_fixture
from tests.support import site_sample

pytestmark = pytest.mark.integration

SOURCE = "crm_contacts"


def test_a_load_records_when_the_file_arrived_in_the_landing_zone(activated, good):
    path = good(SOURCE)
    arrived = datetime(2024, 5, 1, 9, 30, tzinfo=UTC)
    os.utime(path, (arrived.timestamp(), arrived.timestamp()))
    assert loaders.ingest_file(activated, path).outcome == "loaded"
    with psycopg.connect(activated) as conn:
        received = conn.execute("select received_at from audit.loads").fetchone()[0]
    assert received == arrived


@pytest.fixture(scope="module")
def s3_server():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def bucket(s3_server, workspace, tmp_path, monkeypatch):
    """A bucket of this test's own, with BDC_LANDING_URL and BDC_OUTPUT_URL under it."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", s3_server)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    # No configuration or credentials of the machine's own.
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))
    s3fs.S3FileSystem.clear_instance_cache()
    name = f"bdc-{uuid.uuid4().hex[:12]}"
    fs = s3fs.S3FileSystem(use_listings_cache=False)
    fs.mkdir(name)
    monkeypatch.setenv("BDC_LANDING_URL", f"s3://{name}/landing")
    monkeypatch.setenv("BDC_OUTPUT_URL", f"s3://{name}/out")
    yield fs, name
    s3fs.S3FileSystem.clear_instance_cache()


def _demo_file(demo_dir, index: int = 0):
    return sorted((demo_dir / SOURCE).glob("*.csv"))[index]


def _names(fs, prefix: str) -> list[str]:
    try:
        return sorted(path.split("/", 1)[1] for path in fs.find(prefix))
    except FileNotFoundError:
        return []


def test_a_file_in_the_landing_bucket_loads_into_postgres(activated, bucket, demo_dir):
    fs, name = bucket
    original = _demo_file(demo_dir)
    key = f"{name}/landing/{SOURCE}/{original.name}"
    fs.put_file(str(original), key)
    fs.pipe_file(f"{name}/landing/{SOURCE}/notes.txt", b"not a landing file")

    files, refused = landing.landing_entries(SOURCE)
    assert [path.name for path in files] == [original.name] and refused == []
    scan = landing.scan_landing(activated, SOURCE)
    assert [str(path) for path in scan.to_load] == [f"s3://{key}"]

    [result] = loaders.ingest_files(activated, scan.to_load)
    expected_rows = len(original.read_text().splitlines()) - 1
    assert result.outcome == "loaded" and result.rows_loaded == expected_rows
    uploaded = fs.info(key)["LastModified"]
    with psycopg.connect(activated) as conn:
        rows = conn.execute(f"select count(*), min(_source_file) from raw.{SOURCE}").fetchone()
        audit = conn.execute(
            "select file_checksum, file_bytes, received_at from audit.loads"
        ).fetchone()
    assert rows == (expected_rows, original.name)
    assert audit == (checksums.sha256_file(original), original.stat().st_size, uploaded)
    # Loaded files stay in the landing zone; the next run finds nothing new.
    assert fs.exists(key)
    again = landing.scan_landing(activated, SOURCE)
    assert (again.to_load, again.already) == ([], 1)


def test_a_workbook_in_the_landing_bucket_loads_like_a_local_one(activated, bucket, demo_dir):
    import openpyxl

    fs, name = bucket
    original = _demo_file(demo_dir)
    lines = [line.split(",") for line in original.read_text().splitlines()]
    book = openpyxl.Workbook()
    for row in lines:
        book.active.append(row)
    workbook = original.with_name(original.stem + ".xlsx")
    book.save(workbook)
    fs.put_file(str(workbook), f"{name}/landing/{SOURCE}/{workbook.name}")

    scan = landing.scan_landing(activated, SOURCE)
    [result] = loaders.ingest_files(activated, scan.to_load)
    assert result.outcome == "loaded", result.summary()
    assert result.encoding == "xlsx" and result.rows_loaded == len(lines) - 1


@pytest.mark.parametrize("output", ["s3", "local"])
def test_a_bad_file_moves_whole_to_the_quarantine_with_its_report(
    activated, bucket, demo_dir, workspace, monkeypatch, output
):
    fs, name = bucket
    if output == "local":
        monkeypatch.delenv("BDC_OUTPUT_URL")
    original = _demo_file(demo_dir)
    bad = original.read_text().replace("contact_id", "contact_ref", 1).encode()
    key = f"{name}/landing/{SOURCE}/{original.name}"
    fs.pipe_file(key, bad)

    scan = landing.scan_landing(activated, SOURCE)
    [result] = loaders.ingest_files(activated, scan.to_load)

    assert result.outcome == "rejected"
    assert not fs.exists(key), "a refused file leaves the landing zone"
    if output == "s3":
        quarantined = _names(fs, f"{name}/out/quarantine/{SOURCE}")
        assert not (workspace["output"] / "quarantine").exists()
        folder = quarantined[0].rsplit("/", 1)[0]
        assert quarantined == sorted(
            f"{folder}/{n}" for n in (original.name, "problems.csv", "report.txt")
        )
        assert fs.cat_file(f"{name}/{folder}/{original.name}") == bad
        report = fs.cat_file(f"{name}/{folder}/report.txt").decode()
        assert str(result.report_path) == f"s3://{name}/{folder}/report.txt"
    else:
        [folder] = (workspace["output"] / "quarantine" / SOURCE).iterdir()
        assert (folder / original.name).read_bytes() == bad
        report = (folder / "report.txt").read_text()
        assert result.report_path == folder / "report.txt"
    assert f"File: {original.name}" in report and "contact_id" in report
    with psycopg.connect(activated) as conn:
        audit = conn.execute("select outcome, report_path, received_at from audit.loads")
        outcome, report_path, received_at = audit.fetchone()
    assert (outcome, report_path) == ("rejected", str(result.report_path))
    assert received_at is not None


def test_a_multipart_upload_in_progress_is_not_loaded_until_complete(activated, bucket, demo_dir):
    fs, name = bucket
    content = _demo_file(demo_dir).read_bytes()
    key = f"landing/{SOURCE}/{SOURCE}_arriving.csv"
    upload = fs.call_s3("create_multipart_upload", Bucket=name, Key=key)
    # Every part sent (one here: parts but the last must be 5 MiB or more), not yet completed.
    part = fs.call_s3(
        "upload_part", Bucket=name, Key=key, UploadId=upload["UploadId"], PartNumber=1,
        Body=content,
    )  # fmt: skip
    assert landing.landing_entries(SOURCE) == ([], [])
    assert landing.scan_landing(activated, SOURCE).to_load == []

    fs.call_s3(
        "complete_multipart_upload",
        Bucket=name,
        Key=key,
        UploadId=upload["UploadId"],
        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]},
    )
    scan = landing.scan_landing(activated, SOURCE)
    assert [path.name for path in scan.to_load] == [f"{SOURCE}_arriving.csv"]
    [result] = loaders.ingest_files(activated, scan.to_load)
    assert result.outcome == "loaded", result.summary()
    with psycopg.connect(activated) as conn:
        loaded = conn.execute(f"select count(*) from raw.{SOURCE}").fetchone()[0]
    assert loaded == len(content.splitlines()) - 1


def test_a_temporary_name_is_not_read_until_renamed_into_place(activated, bucket, demo_dir):
    fs, name = bucket
    original = _demo_file(demo_dir)
    partial = f"{name}/landing/{SOURCE}/{original.name}.part"
    fs.put_file(str(original), partial)
    assert landing.scan_landing(activated, SOURCE).to_load == []
    fs.mv(partial, f"{name}/landing/{SOURCE}/{original.name}")
    scan = landing.scan_landing(activated, SOURCE)
    assert [path.name for path in scan.to_load] == [original.name]


def test_an_object_replaced_between_two_looks_waits_for_the_next(bucket, demo_dir):
    fs, name = bucket
    key = f"{name}/landing/{SOURCE}/{SOURCE}_growing.csv"
    content = _demo_file(demo_dir).read_bytes()
    fs.pipe_file(key, content[: len(content) // 2])
    [path] = landing.landing_entries(SOURCE)[0]
    # The loader's two looks: the object is uploaded again, larger, while it waits.
    replaced = threading.Timer(0.3, lambda: fs.pipe_file(key, content))
    replaced.start()
    complete, arriving = landing.complete_files([path], settle=2)
    replaced.join()
    assert (complete, [p.name for p in arriving]) == ([], [path.name])
    # Left alone, it is complete at the next look.
    complete, arriving = landing.complete_files([path], settle=0.5)
    assert ([p.name for p in complete], arriving) == ([path.name], [])


def test_partner_returns_in_the_bucket_come_in_only_under_an_agreement(activated, bucket, demo_dir):
    fs, name = bucket
    original = sorted((demo_dir / "partner_returns").glob("*.csv"))[0]
    folder = f"{name}/landing/partner_returns"
    fs.put_file(str(original), f"{folder}/{original.name}")
    stranger = original.read_text().replace("west_mercia_police", "unknown_trust")
    assert stranger != original.read_text()
    fs.pipe_file(f"{folder}/partner_returns_unknown.csv", stranger.encode())

    scan = landing.scan_landing(activated, "partner_returns")
    results = receive_landing_files(activated, scan.to_load)
    outcomes = {result.file.name: result.outcome for result in results}
    assert outcomes == {original.name: "loaded", "partner_returns_unknown.csv": "rejected"}
    assert _names(fs, folder) == [f"landing/partner_returns/{original.name}"]
    [report] = [r.report_path for r in results if r.outcome == "rejected"]
    assert str(report).startswith(f"s3://{name}/out/quarantine/partner_returns/")
    assert "unknown_trust" in report.read_text()


def test_the_landing_sensor_watches_the_bucket(activated, bucket, demo_dir):
    fs, name = bucket
    content = _demo_file(demo_dir).read_bytes()
    fs.pipe_file(f"{name}/landing/{SOURCE}/{SOURCE}_2026-05.csv", content)
    fs.pipe_file(f"{name}/landing/{SOURCE}/{SOURCE}_2026-06.csv.part", content[:100])
    sensor = build_landing_sensor(SOURCE)

    def tick(cursor):
        context = dg.build_sensor_context(
            cursor=cursor, resources={"warehouse": WarehouseResource(url=activated)}
        )
        return sensor(context), context.cursor

    request, cursor = tick(None)
    assert isinstance(request, dg.RunRequest)
    assert f"{SOURCE}_2026-05.csv" in request.run_key and ".part" not in request.run_key
    again, _ = tick(cursor)
    assert isinstance(again, dg.SkipReason)


def test_the_site_is_published_under_the_output_url(fresh_db, bucket, workspace):
    fs, name = bucket
    stale = f"{name}/out/site/a-page-no-longer-built.html"
    fs.pipe_file(stale, b"old")
    site_sample.seed(fresh_db)
    site_sample.name_localities(fresh_db)
    publish.build_publish(fresh_db)
    result = site_build.build_site(
        fresh_db,
        data.reader_url(fresh_db, "public-test"),
        gate=lambda *_: GateDecision(True),
    )
    local = workspace["output"] / "site"
    assert result.out_dir == local
    built = sorted(p.relative_to(local).as_posix() for p in local.rglob("*") if p.is_file())
    assert "index.html" in built and len(built) > 20
    assert _names(fs, f"{name}/out/site") == [f"out/site/{n}" for n in built]
    for relative in ("index.html", built[-1]):
        assert fs.cat_file(f"{name}/out/site/{relative}") == (local / relative).read_bytes()
    assert not fs.exists(stale), "what the site no longer has is removed"

    # A rebuild uploads only what changed: the unchanged pages keep their upload time.
    before = {
        info["name"]: info["ETag"] for info in fs.find(f"{name}/out/site", detail=True).values()
    }
    modified = fs.info(f"{name}/out/site/index.html")["LastModified"]
    time.sleep(1.1)
    site_build.build_site(
        fresh_db, data.reader_url(fresh_db, "public-test"), gate=lambda *_: GateDecision(True)
    )
    after = {
        info["name"]: info["ETag"] for info in fs.find(f"{name}/out/site", detail=True).values()
    }
    assert after == before
    assert fs.info(f"{name}/out/site/index.html")["LastModified"] == modified


@pytest.fixture
def reports_db(activated, monkeypatch):
    """The report tests' warehouse, with the publication rule allowing every period."""
    load_report_fixture(activated)
    monkeypatch.setattr(
        publication, "check", lambda url, kind, period_end, today=None: publication.Decision(True)
    )
    return activated


def test_report_packs_are_published_and_issued_packs_read_back_from_the_output_url(
    reports_db, bucket, workspace
):
    fs, name = bucket
    result = report_build.build(reports_db, "cabinet", "2026-03", issue=True)
    prefix = f"{name}/out/reports/cabinet/2026-03"
    published = _names(fs, prefix)
    for file_name, content in result.files.items():
        assert f"out/reports/cabinet/2026-03/{file_name}" in published
        assert f"out/reports/cabinet/2026-03/issued/{file_name}" in published
        digest = hashlib.sha256(fs.cat_file(f"{prefix}/{file_name}")).hexdigest()
        assert digest == hashlib.sha256(content).hexdigest()
    assert "out/reports/cabinet/2026-03/issued/manifest.json" in published
    assert "out/reports/cabinet/2026-03/issued/snapshot/values.csv" in published
    with psycopg.connect(reports_db) as conn:
        recorded = conn.execute("select path from audit.report_issues").fetchone()[0]
    assert recorded == f"s3://{prefix}/issued"

    # Another machine, with nothing built locally: the issued pack is the record there too.
    shutil.rmtree(workspace["output"] / "reports")
    assert freeze.issued_manifest("cabinet", "2026-03") == result.manifest
    with pytest.raises(freeze.AlreadyIssued):
        freeze.issue(reports_db, "cabinet", "2026-03", result.files, {})
    again = report_build.build(reports_db, "cabinet", "2026-03")
    assert again.from_issued_snapshot and again.files == result.files


def test_an_unknown_scheme_says_which_package_to_install(monkeypatch, workspace):
    monkeypatch.setenv("BDC_LANDING_URL", "gs://council-landing/landing")
    with pytest.raises(storage.StorageSetupError, match="gcsfs"):
        landing.landing_entries(SOURCE)
