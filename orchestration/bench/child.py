"""One measured task in its own process: `python -m orchestration.bench.child SPEC OUT`.

SPEC is a JSON file naming the task (generate, stage, incremental, packs, ceiling) and its
arguments; OUT receives the task's figures plus this process's own peak memory and that of the
processes it started (dbt). The timer starts after the imports, so `seconds` is the work alone.
"""

import json
import resource
import sys
import time
from datetime import datetime
from pathlib import Path

STARTED = time.perf_counter()


def _peak_mb(who: int) -> float:
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports kB


def generate(spec: dict) -> dict:
    from orchestration import demo

    written = demo.generate(
        Path(spec["out_dir"]),
        scale=spec["scale"],
        last_month=spec["last_month"],
        reference_dir=Path(spec["reference_dir"]),
    )
    files = [path for paths in written.values() for path in paths]
    return {"files": len(files), "bytes": sum(path.stat().st_size for path in files)}


def dbt_test_seconds(run_id: str) -> dict[str, float] | None:
    """Time dbt spent in tests in this Dagster run: wall seconds while at least one test ran
    (the union of the tests' intervals) and the seconds summed over dbt's threads.

    dagster-dbt writes each invocation's run_results.json under target/<op>-<run id[:7]>-<id>/;
    matching the run id keeps other people's dbt runs in the same project out of the figure.
    """
    from orchestration.lib import environment

    target = environment.dbt_project_dir() / "target"
    found = list(target.glob(f"*-{run_id[:7]}-*/run_results.json"))
    if not found:
        return None
    tests = [
        result
        for path in found
        for result in json.loads(path.read_text()).get("results", [])
        if str(result.get("unique_id", "")).startswith("test.")
    ]
    intervals = sorted(
        (
            datetime.fromisoformat(timing[0]["started_at"]).timestamp(),
            datetime.fromisoformat(timing[-1]["completed_at"]).timestamp(),
        )
        for timing in (result.get("timing") or [] for result in tests)
        if timing and timing[0].get("started_at") and timing[-1].get("completed_at")
    )
    wall, reach = 0.0, float("-inf")
    for start, end in intervals:
        wall += max(0.0, end - max(start, reach))
        reach = max(reach, end)
    return {
        "wall": wall,
        "summed": sum(result.get("execution_time") or 0.0 for result in tests),
    }


def _dbt_test_figures(seconds: dict[str, float] | None) -> dict[str, float | None]:
    return {
        "dbt_tests_seconds": seconds and seconds["wall"],
        "dbt_tests_thread_seconds": seconds and seconds["summed"],
    }


def slowest_steps(instance, run_id: str, count: int = 8) -> dict[str, float]:
    """Seconds per step (asset or check) of one run, the slowest first: where the time goes."""
    started: dict[str, float] = {}
    seconds: dict[str, float] = {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not entry.step_key:
            continue
        if event.event_type_value == "STEP_START":
            started[entry.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            if entry.step_key in started:
                seconds[entry.step_key] = round(entry.timestamp - started[entry.step_key], 2)
    ranked = sorted(seconds.items(), key=lambda item: item[1], reverse=True)
    return dict(ranked[:count])


def _execute(job) -> dict:
    import dagster as dg

    from orchestration.lib.dagster import runner

    runner.prepare_dagster_home()
    instance = dg.DagsterInstance.get()
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    evaluations = result.get_asset_check_evaluations()
    return {
        "slowest_steps": slowest_steps(instance, result.run_id),
        "success": result.success,
        "failed_steps": [event.step_key for event in result.all_events if event.is_step_failure],
        "checks_run": len(evaluations),
        "checks_failed": sum(1 for evaluation in evaluations if not evaluation.passed),
        **_dbt_test_figures(dbt_test_seconds(result.run_id)),
    }


def stage(spec: dict) -> dict:
    from orchestration.bench import stages
    from orchestration.definitions import defs

    item = stages.find(stages.plan(defs), spec["stage"])
    if not item.present:
        return {"present": False}
    figures = _execute(stages.subset_job(defs, item.assets, item.checks))
    return {
        "present": True,
        "assets": sorted(key.to_user_string() for key in item.assets),
        "folded": sorted(key.to_user_string() for key in item.folded),
        "checks": len(item.checks),
        **figures,
    }


def _selection_figures(selection) -> dict:
    from orchestration.bench import stages
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    buildable = {key for key in selection.resolve(graph) if graph.get(key).is_materializable}
    checks = {check for check in selection.resolve_checks(graph) if check.asset_key in buildable}
    figures = _execute(stages.subset_job(defs, buildable, checks))
    return {"assets": len(buildable), "checks": len(checks), **figures}


def incremental(spec: dict) -> dict:
    """What a landing sensor starts: the new months' raw tables and everything downstream,
    checks included, less the report packs and partner extracts, which run on their own
    schedules (the same selection as the sensors' jobs, orchestration/defs/ingest/sensors.py)."""
    import dagster as dg

    from orchestration.lib.dagster.selections import rebuild_selection

    raw = [dg.AssetKey(["raw", source]) for source in spec["sources"]]
    return _selection_figures(rebuild_selection(dg.AssetSelection.assets(*raw).downstream()))


def packs(spec: dict) -> dict:
    """The member report packs of the newest period with data (what `bdc run` renders)."""
    from orchestration.lib.dagster.selections import REPORTS

    return _selection_figures(REPORTS)


def ceiling(spec: dict) -> dict:
    from orchestration.bench import ceiling as ceiling_module

    return ceiling_module.measure(spec["url"], Path(spec["landing_dir"]), spec["source"])


TASKS = {
    "generate": generate,
    "stage": stage,
    "incremental": incremental,
    "packs": packs,
    "ceiling": ceiling,
}


def main(spec_path: str, out_path: str) -> int:
    from orchestration.lib import environment

    environment.quiet_tools()
    spec = json.loads(Path(spec_path).read_text())
    task = TASKS[spec["task"]]
    if spec["task"] in ("stage", "incremental", "packs"):
        from orchestration.definitions import defs  # noqa: F401  imports are not the work

    begin = time.perf_counter()
    figures = task(spec)
    figures["seconds"] = time.perf_counter() - begin
    figures["import_seconds"] = begin - STARTED
    figures["peak_rss_mb"] = _peak_mb(resource.RUSAGE_SELF)
    figures["children_peak_rss_mb"] = _peak_mb(resource.RUSAGE_CHILDREN)
    figures["cpu_seconds"] = sum(
        usage.ru_utime + usage.ru_stime
        for usage in map(resource.getrusage, (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))
    )
    Path(out_path).write_text(json.dumps(figures, indent=2))
    return 0 if figures.get("success", True) else 2


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:3]))
