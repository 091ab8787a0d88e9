"""latest.md: the benchmark's results as Markdown tables."""


def _number(value, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _stage_rows(scale: dict) -> list[str]:
    rows = [
        "| stage | seconds | process seconds | peak RSS MB | dbt / children MB "
        "| PostgreSQL peak MB | PostgreSQL growth MB | CPU s | PostgreSQL CPU s | notes |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for stage in scale["stages"]:
        if not stage.get("present"):
            rows.append(f"| {stage['name']} | not present | | | | | | | | |")
            continue
        notes = []
        if not stage.get("success", True):
            notes.append("FAILED: " + ", ".join(stage.get("failed_steps", [])))
        if stage.get("refused_files"):
            notes.append("REFUSED demo files: " + "; ".join(stage["refused_files"]))
        if stage.get("checks_failed"):
            notes.append(f"{stage['checks_failed']} of {stage['checks_run']} checks failed")
        if stage.get("folded"):
            notes.append("also runs " + ", ".join(stage["folded"]))
        if stage.get("dbt_tests_seconds"):
            notes.append(f"dbt tests {stage['dbt_tests_seconds']:.1f} s wall")
        rows.append(
            f"| {stage['name']} | {_number(stage['seconds'])} "
            f"| {_number(stage['process_seconds'])} | {_number(stage['peak_rss_mb'], 0)} "
            f"| {_number(stage.get('children_peak_rss_mb'), 0)} "
            f"| {_number(stage.get('postgres_peak_mb'), 0)} "
            f"| {_number(stage.get('postgres_growth_mb'), 0)} "
            f"| {_number(stage.get('cpu_seconds'))} | {_number(stage.get('postgres_cpu_seconds'))} "
            f"| {'; '.join(notes)} |"
        )
    return rows


def _summary_rows(results: dict) -> list[str]:
    labels = list(results["scales"])
    rows = [
        "| figure | " + " | ".join(f"scale {label}" for label in labels) + " |",
        "| --- |" + " ---: |" * len(labels),
    ]

    def row(name: str, pick, digits: int = 1) -> None:
        values = [_number(pick(results["scales"][label]), digits) for label in labels]
        rows.append(f"| {name} | " + " | ".join(values) + " |")

    row("pipeline seconds (ingest to site, work only)", lambda s: s["pipeline_seconds"])
    row("start-up seconds (imports, paid once per run)", lambda s: s["startup_seconds"])
    row("total seconds (generate + start-up + pipeline)", lambda s: s["total_seconds"])
    row("largest source", lambda s: f"{s['ingest']['source']} ({s['ingest']['rows']:,} rows)")
    row("loader rows/s", lambda s: s["ingest"]["loader_rows_per_second"], 0)
    row("plain COPY rows/s (ceiling)", lambda s: s["ingest"]["copy_rows_per_second"], 0)
    row("ingest_ratio", lambda s: s["ingest_ratio"], 3)
    row("one new month (the landing sensor's run), seconds", lambda s: s["incremental"]["seconds"])
    row("incremental_ratio", lambda s: s["incremental_ratio"], 3)
    row(
        "report packs of the newest period (their schedule's run), seconds",
        lambda s: s["incremental"]["packs"]["seconds"],
    )
    row("new month and its packs / full build", lambda s: s["incremental_with_packs_ratio"], 3)
    row("GX checks seconds", lambda s: s["quality"]["checks_seconds"])
    row("dbt tests seconds", lambda s: s["quality"]["dbt_tests_seconds"])
    row("quality_share", lambda s: s["quality_share"], 3)
    row("CPU seconds, pipeline (Python and dbt)", lambda s: s["pipeline_cpu_seconds"])
    row("CPU seconds, pipeline (PostgreSQL)", lambda s: s.get("pipeline_postgres_cpu_seconds"))
    row("largest process MB", lambda s: s["peak_memory_mb"], 0)
    row(
        "a landed file to the public page, through the daemon, seconds",
        lambda s: s.get("file_to_public_seconds"),
    )
    return rows


# The parts of file_to_public_seconds, in order (they add up to it), and figures beside them.
DEPLOYMENT_PARTS = (
    ("sensor_wait_seconds", "the sensor's wait: landing to the run being created", 1),
    ("queue_seconds", "in the queue: to the daemon taking the run", 1),
    ("launch_seconds", "launch: the run's process starting and loading the code", 1),
    ("run_to_page_seconds", "the run, to the page changing", 1),
    ("file_to_public_seconds", "**file_to_public_seconds**", 1),
    ("run_seconds", "the whole run (it ends just after the page)", 1),
    ("landed_after_look_seconds", "the file landed this long after the sensor's previous look", 1),
    ("idle_cpu_share", "CPU of the three processes between files (cores)", 3),
    ("build_seconds", "building the deployment's warehouse (not part of the figure)", 1),
    ("start_seconds", "starting the three processes to healthy (not part of the figure)", 1),
)


def _deployment_rows(scale: dict) -> list[str]:
    deployed = scale.get("file_to_public")
    if not deployed:
        return []
    if not deployed.get("success"):
        return [f"FAILED: {deployed.get('error', 'see the log')}"]
    rows = [
        f"`{deployed['file']}` ({deployed['contacts_in_original']} Bromsgrove leisure contacts, "
        f"{deployed['contacts_kept']} kept) landed in the deployed processes: sensor interval "
        f"{deployed['sensor_interval_seconds']} s, settle time {deployed['settle_seconds']:g} s. "
        f"The page's figure went from {deployed['figure_before']} to "
        f"{deployed['figure_after']} per 1,000 ({deployed['figure_period']}).",
        "",
        "| part | value |",
        "| --- | ---: |",
    ]
    rows += [
        f"| {label} | {_number(deployed.get(key), digits)} |"
        for key, label, digits in DEPLOYMENT_PARTS
    ]
    return rows


def _goal_rows(results: dict) -> list[str]:
    rows = ["| goal | rule | value | met |", "| --- | --- | ---: | --- |"]
    for goal in results["goals"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[goal["met"]]
        rows.append(f"| {goal['goal']} | `{goal['rule']}` | {_number(goal['value'], 3)} | {met} |")
    return rows


def _slowest_rows(scale: dict) -> list[str]:
    rows = []
    for stage in scale["stages"]:
        steps = stage.get("slowest_steps") or {}
        if steps:
            listed = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps.items())
            rows.append(f"- {stage['name']}: {listed}")
    for name, figures in (
        ("one new month", scale["incremental"]),
        ("report packs of the newest period", scale["incremental"]["packs"]),
    ):
        steps = figures.get("slowest_steps") or {}
        if steps:
            listed = ", ".join(f"{step} {seconds:.1f} s" for step, seconds in steps.items())
            rows.append(f"- {name}: {listed}")
    return rows


def markdown(results: dict) -> str:
    machine = results["machine"]
    lines = [
        "# Benchmark results",
        "",
        f"Run {results['generated_at']} on {machine['cpus']} CPUs, Python {machine['python']}, "
        f"{machine['postgres']}; load average before and after: {machine['load_before']} / "
        f"{machine['load_after']}. Produced by `bdc bench`; see docs/benchmarks.md.",
        "",
        "## Summary",
        "",
        *_summary_rows(results),
        "",
    ]
    if results.get("scale_ratio") is not None:
        low, high = results["scale_ratio_between"]
        lines += [
            f"scale_ratio (pipeline seconds, scale {high:g} / {low:g}): "
            f"{results['scale_ratio']:.2f}",
            "",
        ]
    lines += ["## Goals", "", *_goal_rows(results), ""]
    for label, scale in results["scales"].items():
        lines += [f"## Stages at scale {label}", "", *_stage_rows(scale), ""]
        slowest = _slowest_rows(scale)
        if slowest:
            lines += [f"Slowest steps at scale {label}:", "", *slowest, ""]
        deployment = _deployment_rows(scale)
        if deployment:
            lines += [f"## A landed file to the public page at scale {label}", "", *deployment, ""]
    return "\n".join(lines)
