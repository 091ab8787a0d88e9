"""analysis.*: capability charts per measure and per service's case end-to-end times, trials
and their verdicts (docs/tables.md, docs/analysis.md)."""

import datetime as dt

import dagster as dg
import pandas as pd
import psycopg

from orchestration.defs.keys import model_key
from orchestration.lib.analysis import annotations as annotations_lib
from orchestration.lib.analysis import series as series_lib
from orchestration.lib.analysis import store
from orchestration.lib.analysis import trials as trials_lib
from orchestration.lib.analysis.charting import run
from orchestration.lib.analysis.verdicts import trial_verdicts
from orchestration.lib.dagster.resources import WarehouseResource

GROUP = "analysis"
FCT_MEASURE_VALUES = model_key("fct_measure_values")
DIM_MEASURES = model_key("dim_measures")
FCT_CASE_E2E = model_key("fct_case_end_to_end")
MEASURE_SPC = dg.AssetKey(["analysis", "measure_spc"])
MEASURE_ICONS = dg.AssetKey(["analysis", "measure_icons"])
CASE_SPC = dg.AssetKey(["analysis", "case_e2e_spc"])
CASE_ICONS = dg.AssetKey(["analysis", "case_e2e_icons"])
TRIALS = dg.AssetKey(["analysis", "trials"])
TRIAL_VERDICTS = dg.AssetKey(["analysis", "trial_verdicts"])
SPC_KINDS = {"postgres", "python"}


def _frame(url: str, query: str, params: dict | None = None) -> pd.DataFrame:
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query, params)
        columns = [c.name for c in cur.description]
        return pd.DataFrame(cur.fetchall(), columns=columns)


def _table_exists(url: str, qualified: str) -> bool:
    with psycopg.connect(url) as conn:
        return conn.execute("select to_regclass(%s)", [qualified]).fetchone()[0] is not None


def measure_chart_series(url: str, annotations) -> list:
    values = _frame(url, series_lib.MEASURE_VALUES_SQL)
    measures = _frame(url, series_lib.DIM_MEASURES_SQL)
    return series_lib.measure_series(values, measures, annotations)


def case_chart_series(url: str, annotations, series_ids=None) -> tuple[list, dict]:
    """Every service's case charts, or only those of `series_ids` (case_e2e:<service>:<type>),
    which reads only those services' cases."""
    wanted = sorted(series_ids) if series_ids is not None else None
    days = _frame(url, series_lib.CASE_DAYS_SQL, {"series_ids": wanted})
    reach = series_lib.recent_months(days)
    recent = _frame(
        url,
        series_lib.RECENT_CASES_SQL,
        {
            "councils": list(reach.council_code),
            "services": list(reach.service),
            "case_types": list(reach.case_type),
            "completed_from": list(reach.completed_from),
        },
    )
    return series_lib.case_series(recent, days, annotations)


def _spc_rows(points: list[dict], key_columns: tuple[str, ...]) -> list[dict]:
    return [{**dict(zip(key_columns, p["key"], strict=True)), **p} for p in points]


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            MEASURE_SPC,
            deps=[FCT_MEASURE_VALUES, DIM_MEASURES],
            description="One row per measure x council x period: the XmR chart's points "
            "(council geography), with partitions, ghosts, limits, rules and point types.",
            group_name=GROUP,
            kinds=SPC_KINDS,
        ),
        dg.AssetSpec(
            MEASURE_ICONS,
            deps=[FCT_MEASURE_VALUES, DIM_MEASURES],
            description="One row per measure x council: variation and assurance icons, latest "
            "value, warnings, text alternative and the accessible SVG chart.",
            group_name=GROUP,
            kinds=SPC_KINDS,
        ),
    ],
    name="measure_charts",
)
def measure_charts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    annotations = annotations_lib.load()
    points, icons = run(measure_chart_series(warehouse.url, annotations))
    key = ("measure_id", "council_code")
    counts = store.replace(
        warehouse.url,
        {"measure_spc": _spc_rows(points, key), "measure_icons": _spc_rows(icons, key)},
    )
    shown = sum(1 for row in icons if row["spc_shown"])
    context.log.info(f"{counts['measure_icons']} measure charts ({shown} with limits)")
    yield dg.MaterializeResult(asset_key=MEASURE_SPC, metadata={"rows": counts["measure_spc"]})
    yield dg.MaterializeResult(
        asset_key=MEASURE_ICONS,
        metadata={"rows": counts["measure_icons"], "charts_with_limits": shown},
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            CASE_SPC,
            deps=[FCT_CASE_E2E],
            description="Capability charts of case end-to-end days per council x service x case "
            "type: the latest 300 cases in completion order (view 'case') and the monthly median "
            "(view 'month'). One row per chart point.",
            group_name=GROUP,
            kinds=SPC_KINDS,
        ),
        dg.AssetSpec(
            CASE_ICONS,
            deps=[FCT_CASE_E2E],
            description="One row per case end-to-end chart: icons, latest value, warnings, text "
            "alternative and the accessible SVG chart.",
            group_name=GROUP,
            kinds=SPC_KINDS,
        ),
    ],
    name="case_end_to_end_charts",
)
def case_end_to_end_charts(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    annotations = annotations_lib.load()
    chart_series, cases_per_point = case_chart_series(warehouse.url, annotations)
    points, icons = run(chart_series)
    key = ("council_code", "service", "case_type", "view")
    spc_rows = [
        {**row, "point_index": row["index"], "cases": cases_per_point[(row["key"], row["index"])]}
        for row in _spc_rows(points, key)
    ]
    counts = store.replace(
        warehouse.url, {"case_e2e_spc": spc_rows, "case_e2e_icons": _spc_rows(icons, key)}
    )
    context.log.info(f"{counts['case_e2e_icons']} case end-to-end charts")
    yield dg.MaterializeResult(asset_key=CASE_SPC, metadata={"rows": counts["case_e2e_spc"]})
    yield dg.MaterializeResult(asset_key=CASE_ICONS, metadata={"rows": counts["case_e2e_icons"]})


@dg.asset(
    key=TRIALS,
    group_name=GROUP,
    kinds={"postgres"},
    description="Check-plan-do trials from config/trials.yml (validated on load).",
)
def trials_table(warehouse: WarehouseResource) -> dg.MaterializeResult:
    trials = trials_lib.load()
    counts = store.replace(warehouse.url, {"trials": [trial.row() for trial in trials]})
    return dg.MaterializeResult(metadata={"rows": counts["trials"]})


@dg.asset(
    key=TRIAL_VERDICTS,
    deps=[TRIALS, FCT_MEASURE_VALUES, DIM_MEASURES, FCT_CASE_E2E],
    group_name=GROUP,
    kinds=SPC_KINDS,
    description="Each trial's verdict per measure: the chart before the start is the baseline, "
    "its limits carried forward; special-cause points after the start decide.",
)
def trial_verdicts_table(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    trials = trials_lib.load()
    annotations = annotations_lib.load()
    needed = {m for trial in trials for m in trial.measure_ids}
    case_ids = {m for m in needed if m.startswith(series_lib.CASE_SERIES_PREFIX + ":")}
    measures, cases = [], []
    if needed - case_ids:
        measures = measure_chart_series(warehouse.url, annotations)
    if case_ids:
        if _table_exists(warehouse.url, "marts.fct_case_end_to_end"):
            cases, _ = case_chart_series(warehouse.url, annotations, case_ids)
        else:
            context.log.warning("marts.fct_case_end_to_end does not exist yet")
    rows = trial_verdicts(trials, measures, cases, dt.datetime.now(dt.UTC))
    counts = store.replace(warehouse.url, {"trial_verdicts": rows})
    verdicts = {f"{r['trial_id']} / {r['measure_id']}": r["verdict"] for r in rows}
    return dg.MaterializeResult(metadata={"rows": counts["trial_verdicts"], **verdicts})


def analysis_assets() -> list:
    return [measure_charts, case_end_to_end_charts, trials_table, trial_verdicts_table]
