"""Run the benchmark: one throwaway warehouse per scale, every stage in its own process.

Per scale: generate the demo files (holding back the last month), build everything stage by
stage, then drop the held-back month into the landing zone and bring every output up to date
the way a landing sensor would (the new months' raw tables and everything downstream), and
time the loader against a plain COPY of the largest source's files. At scale 1, finally, a
landing file is timed to the public page through the deployed processes (code server,
webserver, daemon; deployment.py): file_to_public_seconds.
"""

import json
import math
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.bench import goals, memory, report, stages
from orchestration.lib import environment, warehouse
from orchestration.lib.warehouse import bootstrap

MONTHLY_SOURCES = (
    "crm_contacts",
    "service_cases",
    "case_clock_pauses",
    "finance_ledger",
    "hr_enabling",
    "partner_returns",
)

Progress = Callable[[str], None]

# The scale at which a landing file is timed through the deployed processes (the goal's).
DEPLOYMENT_SCALE = 1.0


class BenchError(RuntimeError):
    """A benchmark task could not run at all (not a slow or failing pipeline: a broken one)."""


def default_last_month() -> str:
    """The month before this one: the newest whose data the freshness rules can expect."""
    today = datetime.now(ZoneInfo(environment.TIMEZONE)).date()
    year, month = (today.year, today.month - 1) if today.month > 1 else (today.year - 1, 12)
    return f"{year:04d}-{month:02d}"


def _hold_freshness(url: str, month: str) -> int:
    """While the newest month is held back the outputs' freshness gate would (rightly) refuse
    to publish; an override, revoked before that month arrives, keeps the full build whole."""
    from orchestration.lib.quality import freshness

    return freshness.add_override(
        url,
        "*",
        reason=f"bdc bench: {month} is held back to be fed in as the new month",
        person="bdc bench",
        expires_at=datetime.now(ZoneInfo(environment.TIMEZONE)) + timedelta(days=1),
    )


def _release_freshness(url: str, override_id: int) -> None:
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(
            "update input.freshness_overrides set revoked_at = now() where override_id = %s",
            (override_id,),
        )


def _refused_files(url: str) -> list[str]:
    """Demo files the loader refused: the run would measure a smaller pipeline than intended
    (a refused gazetteer, for one, leaves no address with a ward)."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select source || '/' || file_name || ': ' || coalesce(message, '') "
            "from audit.loads where outcome = 'rejected' order by started_at"
        ).fetchall()
    return [row[0] for row in rows]


def scale_label(scale: float) -> str:
    return f"{scale:g}"


def _child_env(url: str, work: Path, passwords: dict[str, str]) -> dict[str, str]:
    env = {**os.environ, **environment.dbt_env(url)}
    # The steps that connect as the read-only roles (the site as public_reader) need these.
    env.update({f"BDC_{role.upper()}_PASSWORD": password for role, password in passwords.items()})
    env.update(
        {
            environment.WAREHOUSE_URL_VAR: url,
            "BDC_LANDING_DIR": str(work / "landing"),
            "BDC_OUTPUT_DIR": str(work / "build"),
            # The bench writes its files before it times the load; a sensor would see them
            # only after they settled, so the settling wait is not part of what is measured.
            "BDC_LANDING_SETTLE_SECONDS": "0",
            "DAGSTER_HOME": str(work / "dagster_home"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DAGSTER_DISABLE_TELEMETRY": "true",
            "GX_ANALYTICS_ENABLED": "false",
            "PYTHONWARNINGS": environment.KNOWN_WARNINGS,
        }
    )
    return env


class Runner:
    """Starts the child processes of one scale and samples the server while each runs."""

    def __init__(self, work: Path, env: dict[str, str], server_pid: int | None):
        self.work = work
        self.env = env
        self.server_pid = server_pid
        self.count = 0

    def __call__(self, task: str, **spec) -> dict:
        self.count += 1
        folder = self.work / "tasks"
        folder.mkdir(exist_ok=True)
        spec_path = folder / f"{self.count:02d}_{task}.json"
        out_path = folder / f"{self.count:02d}_{task}.out.json"
        log_path = folder / f"{self.count:02d}_{task}.log"
        spec_path.write_text(json.dumps({"task": task, **spec}))
        command = [sys.executable, "-m", "orchestration.bench.child", spec_path, out_path]
        started = time.perf_counter()
        with log_path.open("w") as log, memory.ServerSampler(self.server_pid) as sampler:
            process = subprocess.run(
                [str(part) for part in command],
                env=self.env,
                cwd=environment.REPO_ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        process_seconds = time.perf_counter() - started
        if not out_path.exists():
            tail = "\n".join(log_path.read_text().strip().splitlines()[-15:])
            raise BenchError(f"The {task} task crashed (exit {process.returncode}):\n{tail}")
        figures = json.loads(out_path.read_text())
        figures["process_seconds"] = process_seconds
        figures.update(sampler.figures())
        if not figures.get("success", True):
            figures["log_tail"] = log_path.read_text().strip().splitlines()[-15:]
        return figures


def _hold_back(landing: Path, held: Path, month: str) -> list[str]:
    """Move the last month's monthly files aside; returns the sources that had one."""
    sources = []
    for source in MONTHLY_SOURCES:
        path = landing / source / f"{source}_{month}.csv"
        if path.exists():
            (held / source).mkdir(parents=True, exist_ok=True)
            shutil.move(path, held / source / path.name)
            sources.append(source)
    return sources


def _restore(landing: Path, held: Path) -> None:
    for path in held.rglob("*.csv"):
        shutil.move(path, landing / path.parent.name / path.name)


def _rounded(figures: dict) -> dict:
    return {
        key: round(value, 3) if isinstance(value, float) else value
        for key, value in figures.items()
    }


def _stage_line(scale: str, name: str, figures: dict) -> str:
    if not figures.get("present", True):
        return f"scale {scale}: {name}: not present"
    status = "" if figures.get("success", True) else "  FAILED"
    peak = max(figures.get("peak_rss_mb", 0), figures.get("children_peak_rss_mb", 0))
    return (
        f"scale {scale}: {name}: {figures['seconds']:.1f} s "
        f"(process {figures['process_seconds']:.1f} s), peak {peak:.0f} MB, "
        f"PostgreSQL +{figures.get('postgres_growth_mb', 0):.0f} MB{status}"
    )


def run_scale(scale: float, last_month: str, progress: Progress, log_dir: Path) -> dict:
    """One scale in its own temporary folder; each task's spec, figures and log go to log_dir."""
    label = scale_label(scale)
    with tempfile.TemporaryDirectory(prefix=f"bdc-bench-{label}-") as tmp:
        work = Path(tmp)
        cluster = warehouse.Cluster(warehouse._reachable_dir(work / "warehouse"))
        try:
            return _run_scale(scale, last_month, progress, work, cluster)
        finally:
            warehouse.destroy(cluster)
            if (work / "tasks").exists():
                logs = log_dir / label
                shutil.rmtree(logs, ignore_errors=True)
                shutil.copytree(work / "tasks", logs)


def _run_scale(scale, last_month, progress, work: Path, cluster) -> dict:
    label = scale_label(scale)
    progress(f"scale {label}: starting a throwaway PostgreSQL (fsync off)")
    url = warehouse.start(cluster, durable=False)
    from orchestration.lib import dbt

    # As `bdc run` does for its warehouse: parsed for this profile, dbt's commands parse partly.
    dbt.prepare_manifest(env=environment.dbt_env(url))
    passwords = {role: cluster.state()["passwords"][role] for role in warehouse.LOGIN_ROLES}
    bootstrap.bootstrap(url, passwords)
    run = Runner(work, _child_env(url, work, passwords), memory.postmaster_pid(cluster.pgdata))
    landing = work / "landing"
    reference = environment.reference_dir()

    figures = {
        "generate": run(
            "generate",
            out_dir=str(landing),
            scale=scale,
            last_month=last_month,
            reference_dir=str(reference),
        )
    }
    figures["generate"]["present"] = True
    progress(_stage_line(label, "generate", figures["generate"]))
    held_sources = _hold_back(landing, work / "held", last_month)
    override = _hold_freshness(url, last_month)

    for name in stages.STAGE_NAMES:
        figures[name] = _rounded(run("stage", stage=name))
        progress(_stage_line(label, name, figures[name]))
    figures["ingest"]["refused_files"] = _refused_files(url)
    for refused in figures["ingest"]["refused_files"]:
        progress(f"scale {label}: REFUSED demo file {refused}")

    _restore(landing, work / "held")
    _release_freshness(url, override)
    incremental = _rounded(run("incremental", sources=held_sources))
    progress(_stage_line(label, f"one new month ({last_month})", incremental))
    incremental["packs"] = _rounded(run("packs"))
    progress(_stage_line(label, "report packs of the newest period", incremental["packs"]))

    ceiling = _rounded(run("ceiling", url=url, landing_dir=str(landing), source=None))
    progress(
        f"scale {label}: ingest of {ceiling['source']} ({ceiling['rows']:,} rows): loader "
        f"{ceiling['loader_rows_per_second']:,} rows/s, plain COPY "
        f"{ceiling['copy_rows_per_second']:,} rows/s"
    )
    deployed = None
    if scale == DEPLOYMENT_SCALE:
        deployed = _file_to_public(url, work, passwords, scale, progress)
    return summarise(scale, last_month, figures, incremental, ceiling, deployed)


def _file_to_public(url: str, work: Path, passwords: dict, scale: float, progress) -> dict:
    """The deployment's measurement, in databases of its own on this scale's server; its
    processes' logs go with the tasks' (logs/<scale>/deployment/)."""
    from orchestration.bench import deployment
    from orchestration.lib.dagster.processes import DeploymentError

    label = scale_label(scale)
    try:
        figures = deployment.file_to_public(
            url,
            work / "deployment",
            passwords,
            scale,
            progress=lambda line: progress(f"scale {label}: deployment: {line}"),
            log_dir=work / "tasks" / "deployment",
        )
    except (deployment.MeasureError, DeploymentError) as error:
        progress(f"scale {label}: file to public page: FAILED: {error}")
        return {"success": False, "error": str(error)}
    progress(
        f"scale {label}: file to public page: {figures['file_to_public_seconds']:.1f} s "
        f"(sensor {figures['sensor_wait_seconds']:.1f} s, queue {figures['queue_seconds']:.1f} s, "
        f"launch {figures['launch_seconds']:.1f} s, run to page "
        f"{figures['run_to_page_seconds']:.1f} s)"
    )
    return {"success": True, **figures}


def _of_pipeline(seconds: float, pipeline: float) -> float | None:
    return round(seconds / pipeline, 3) if pipeline else None


def summarise(
    scale, last_month, figures: dict, incremental: dict, ceiling: dict, deployed: dict | None = None
) -> dict:
    present = [name for name in stages.STAGE_NAMES if figures[name].get("present")]
    pipeline = sum(figures[name]["seconds"] for name in present)
    cpu = sum(figures[name].get("cpu_seconds", 0) for name in present)
    server_cpu = sum(figures[name].get("postgres_cpu_seconds", 0) for name in present)
    startup = max((figures[name].get("import_seconds", 0) for name in present), default=0)
    checks = figures[stages.QUALITY].get("seconds", 0) if stages.QUALITY in present else 0
    dbt_tests = figures["dbt build"].get("dbt_tests_seconds") or 0
    all_figures = [*figures.values(), incremental, incremental["packs"], ceiling]
    largest = max(
        max(
            each.get("peak_rss_mb", 0),
            each.get("children_peak_rss_mb", 0),
            each.get("postgres_largest_process_mb", 0),
        )
        for each in all_figures
    )
    return {
        "scale": scale,
        "last_month": last_month,
        "stages": [{"name": name, **figures[name]} for name in ("generate", *stages.STAGE_NAMES)],
        "success": all(each.get("success", True) for each in all_figures)
        and not figures["ingest"].get("refused_files")
        and (deployed or {}).get("success", True),
        "pipeline_seconds": round(pipeline, 3),
        "pipeline_cpu_seconds": round(cpu, 3),
        "pipeline_postgres_cpu_seconds": round(server_cpu, 3),
        "startup_seconds": round(startup, 3),
        "total_seconds": round(figures["generate"]["seconds"] + startup + pipeline, 3),
        "ingest": ceiling,
        "ingest_ratio": ceiling["ingest_ratio"],
        "incremental": {
            "month": last_month,
            **incremental,
            "full_seconds": round(pipeline, 3),
        },
        "incremental_ratio": _of_pipeline(incremental["seconds"], pipeline),
        # Not a goal figure: the new month plus the newest period's report packs, which their
        # schedules (or `bdc run`) render, not the sensor's run.
        "incremental_with_packs_ratio": _of_pipeline(
            incremental["seconds"] + incremental["packs"]["seconds"], pipeline
        ),
        "quality": {
            "checks_seconds": checks,
            "dbt_tests_seconds": round(dbt_tests, 3),
            "dbt_tests_thread_seconds": figures["dbt build"].get("dbt_tests_thread_seconds"),
        },
        "quality_share": _of_pipeline(checks + dbt_tests, pipeline),
        # Rounded up, so the figure is never below any process it summarises.
        "peak_memory_mb": math.ceil(largest * 10) / 10,
        # A landing file to the public page through the deployed processes (DEPLOYMENT_SCALE).
        "file_to_public": deployed,
        "file_to_public_seconds": (deployed or {}).get("file_to_public_seconds"),
    }


def _postgres_version() -> str:
    try:
        binary = warehouse.server_bin_dir(install=False) / "postgres"
        return subprocess.run(
            [str(binary), "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
    except warehouse.WarehouseError:
        return "unknown"


def _stop_cleanly(signum, frame) -> None:
    """SIGTERM unwinds like Ctrl-C, so the throwaway cluster is stopped and deleted."""
    raise SystemExit(128 + signum)


def _load() -> str:
    """The 1, 5 and 15 minute load averages: other work on the machine skews wall times."""
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


def benchmark(
    scales: list[float],
    out_dir: Path,
    progress: Progress,
    last_month: str | None = None,
) -> dict:
    """Run every scale, write latest.json and latest.md under out_dir, return the results."""
    from orchestration.lib import dbt

    environment.quiet_tools()
    last_month = last_month or default_last_month()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _stop_cleanly)
    dbt.prepare_manifest()
    results = {
        "generated_at": datetime.now(ZoneInfo(environment.TIMEZONE)).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "postgres": _postgres_version(),
            "load_before": _load(),
        },
        "scales": {},
    }
    for scale in scales:
        results["scales"][scale_label(scale)] = run_scale(
            scale, last_month, progress, out_dir / "logs"
        )
        _finish(results, out_dir)  # written after every scale: scale 10 takes a while
    return results


def _finish(results: dict, out_dir: Path) -> None:
    results["machine"]["load_after"] = _load()
    ordered = sorted(results["scales"].values(), key=lambda each: each["scale"])
    results["scale_ratio"] = None
    results["scale_ratio_between"] = None
    if len(ordered) >= 2 and ordered[0]["pipeline_seconds"]:
        small, large = ordered[0], ordered[-1]
        results["scale_ratio"] = round(large["pipeline_seconds"] / small["pipeline_seconds"], 3)
        results["scale_ratio_between"] = [small["scale"], large["scale"]]
    results["goals"] = goals.evaluate(results)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(results, indent=2) + "\n")
    (out_dir / "latest.md").write_text(report.markdown(results))
