"""`bdc bench` at a tiny scale, so the benchmark can't rot; and the stage plan covers everything."""

import json

import pytest
from click.testing import CliRunner

from orchestration.bench import goals, stages
from orchestration.commands.bench import bench
from orchestration.lib import dbt

pytestmark = pytest.mark.e2e

STAGE_KEYS = {"name", "present", "seconds", "process_seconds", "peak_rss_mb", "cpu_seconds"}
SCALE_KEYS = {
    "scale",
    "stages",
    "success",
    "pipeline_seconds",
    "pipeline_cpu_seconds",
    "startup_seconds",
    "total_seconds",
    "ingest",
    "ingest_ratio",
    "incremental",
    "incremental_ratio",
    "quality",
    "quality_share",
    "peak_memory_mb",
}


def test_every_buildable_asset_runs_in_exactly_one_stage_after_its_upstream():
    dbt.prepare_manifest()
    from orchestration.definitions import defs

    planned = stages.plan(defs)
    graph = defs.resolve_asset_graph()
    position = {}
    for index, item in enumerate(planned):
        for key in item.assets:
            assert key not in position, f"{key} is in two stages"
            position[key] = index
    buildable = {key for key in graph.get_all_asset_keys() if graph.get(key).is_materializable}
    assert set(position) == buildable
    for key, index in position.items():
        for parent in graph.get(key).parent_keys:
            assert position.get(parent, -1) <= index, f"{key} runs before its upstream {parent}"
    quality_index = stages.STAGE_NAMES.index(stages.QUALITY)
    assert planned[quality_index].checks
    seen = set()
    for index, item in enumerate(planned):
        assert not (item.checks & seen), "a check is in two stages"
        seen |= item.checks
        for check in item.checks:
            assert position[check.asset_key] <= index, f"{check} runs before its asset"
    assert seen == {check for check in graph.asset_check_keys if check.asset_key in position}


def test_quick_bench_writes_every_figure(tmp_path):
    out = tmp_path / "bench"
    result = CliRunner().invoke(bench, ["--scales", "0.02", "--out", str(out)])
    results = json.loads((out / "latest.json").read_text())

    assert set(results["scales"]) == {"0.02"}
    scale = results["scales"]["0.02"]
    assert SCALE_KEYS <= set(scale)
    # The demo pipeline runs clean in every stage: a refused or failed step would measure the
    # refusal, not the work.
    runs = [s for s in scale["stages"] if s["present"]]
    runs += [{"name": "one new month", **scale["incremental"]}]
    runs += [{"name": "report packs", **scale["incremental"]["packs"]}]
    failed = {run["name"]: run["failed_steps"] for run in runs if not run.get("success", True)}
    assert failed == {} and scale["success"], failed
    assert scale["stages"][1]["refused_files"] == []  # every demo file was loaded
    assert result.exit_code == 0, result.output
    names = [stage["name"] for stage in scale["stages"]]
    assert names == ["generate", *stages.STAGE_NAMES]
    for stage in scale["stages"]:
        if stage["present"]:
            assert STAGE_KEYS <= set(stage), stage["name"]
            assert 0 < stage["seconds"] <= stage["process_seconds"]
            assert 20 < stage["peak_rss_mb"] < 8000
    present = [stage for stage in scale["stages"][1:] if stage["present"]]
    assert scale["pipeline_seconds"] == pytest.approx(sum(s["seconds"] for s in present), abs=0.01)

    ingest = scale["ingest"]
    assert ingest["rows"] > 0 and ingest["files"] > 0
    assert ingest["loader_rows_per_second"] > 0 and ingest["copy_rows_per_second"] > 0
    # From the rows per second (whole numbers): the seconds are rounded to milliseconds, too
    # coarse at this scale (a COPY of a few milliseconds) to recompute the ratio within 1%.
    assert scale["ingest_ratio"] == pytest.approx(
        ingest["loader_rows_per_second"] / ingest["copy_rows_per_second"],
        rel=0.01,
        abs=0.0006,  # 3 decimals
    )
    assert 0 < scale["incremental"]["seconds"]
    assert scale["incremental_ratio"] == pytest.approx(
        scale["incremental"]["seconds"] / scale["pipeline_seconds"], rel=0.01, abs=0.0006
    )
    # The new month is the landing sensor's run: no report packs, which run on their schedule
    # (the three packs of the newest period are measured beside it).
    packs = scale["incremental"]["packs"]
    assert packs["assets"] == 3 and 0 < packs["seconds"]
    assert not any(step.startswith("reports__") for step in scale["incremental"]["slowest_steps"])
    assert scale["incremental_with_packs_ratio"] == pytest.approx(
        (scale["incremental"]["seconds"] + packs["seconds"]) / scale["pipeline_seconds"],
        rel=0.01,
        abs=0.0006,
    )
    quality = scale["quality"]
    # dbt tests' wall time: never more than their time summed over dbt's threads, nor than the
    # dbt stage they ran in.
    assert 0 < quality["dbt_tests_seconds"] <= quality["dbt_tests_thread_seconds"] + 0.01
    (dbt_stage,) = [stage for stage in scale["stages"] if stage["name"] == "dbt build"]
    assert quality["dbt_tests_seconds"] <= dbt_stage["seconds"]
    assert 0 < scale["quality_share"] <= 1
    assert scale["peak_memory_mb"] >= max(stage.get("peak_rss_mb", 0) for stage in present)
    assert results["scale_ratio"] is None  # one scale only

    assert [goal["rule"] for goal in results["goals"]] == [g.describe() for g in goals.GOALS]
    markdown = (out / "latest.md").read_text()
    for name in names:
        assert f"| {name} |" in markdown
    assert "ingest_ratio" in markdown and "## Goals" in markdown
