"""The analysis assets against a fresh warehouse with small marts tables made here."""

import datetime as dt
import math

import dagster as dg
import numpy as np
import pandas as pd
import psycopg
import pytest
import yaml

from orchestration.defs.analysis import analysis_assets
from orchestration.defs.analysis.assets import case_chart_series
from orchestration.lib.analysis import annotations as annotations_lib
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.spc import xmr
from orchestration.lib.spc.batch import xmr_frame
from tests.support.marts import DIM_MEASURES_SQL

pytestmark = pytest.mark.integration

BDC, RBC = "E07000234", "E07000236"
# A measure of the registry (annotations may only name those); its figures here are the test's.
HOU = "hou_e2e_housing_register_median"
MONTHS = [dt.date(2023 + (3 + i) // 12, (3 + i) % 12 + 1, 1) for i in range(30)]
GHOSTED_MONTH = MONTHS[15]

MARTS_DDL = f"""
create schema if not exists marts;
{DIM_MEASURES_SQL}
create table marts.fct_measure_values (
    measure_id text, council_code text, period_start date, period_end date,
    geography_type text, geography_code text, numerator numeric, denominator numeric,
    value numeric, status text, loaded_at timestamptz);
create table marts.fct_case_end_to_end (
    council_code text, service text, case_type text, received_date date, completed_date date,
    paused_days integer, net_days integer);
"""


def _month_end(day):
    return (pd.Timestamp(day) + pd.offsets.MonthEnd(0)).date()


def _measure_rows():
    rng = np.random.default_rng(7)
    rows = []
    # monthly, lower is better, 30 months, one month never loaded (ghosted)
    for i, month in enumerate(MONTHS):
        if month == MONTHS[9]:
            continue
        value = round(float(40 + rng.normal(0, 3) - (8 if i >= 22 else 0)), 2)
        rows.append((HOU, BDC, month, _month_end(month), "council", BDC, value))
        rows.append((HOU, BDC, month, _month_end(month), "ward", "E05000001", 99.0))
    # Redditch: only 5 months -> a run chart
    for month in MONTHS[:5]:
        rows.append((HOU, RBC, month, _month_end(month), "council", RBC, 30.0 + month.month))
    # quarterly, higher is better, with a target
    for q in range(14):
        start = MONTHS[0] + pd.DateOffset(months=3 * q)
        end = (start + pd.DateOffset(months=3) - pd.DateOffset(days=1)).date()
        value = round(float(70 + rng.normal(0, 2)), 2)
        rows.append(("ENA-QTR", BDC, start.date(), end, "council", BDC, value))
    # a whole-day median at 3 days with a 4 now and then, like the demo's fly-tip clearance
    for month, value in zip(MONTHS, FLYTIP_DAYS, strict=True):
        rows.append((FLYTIP, BDC, month, _month_end(month), "council", BDC, value))
    # the measures model's benefit new claims median, from the same cases as the case table
    for month, median in _benefit_medians().items():
        rows.append((BENEFIT_MEDIAN, BDC, month, _month_end(month), "council", BDC, median))
    # a measure without a definition is left out
    rows.append(("NO-DEF", BDC, MONTHS[0], _month_end(MONTHS[0]), "council", BDC, 1.0))
    return rows


BENEFIT_MEDIAN = "fin_e2e_benefit_new_claim_median"
FLYTIP = "saf_e2e_flytip_cleared_median"
FLYTIP_DAYS = [3.0] * 14 + [4.0] + [3.0] * 14 + [4.0]  # chunky data: steps of 1 day, AMR 0.07
REDESIGN_START = dt.date(2025, 6, 1)


def _benefit_medians() -> dict:
    cases = [row for row in _case_rows() if row[1] == "benefits"]
    months = pd.Series([row[6] for row in cases], index=[row[4].replace(day=1) for row in cases])
    return {month: float(value) for month, value in months.groupby(level=0).median().items()}


MEASURES = [
    (
        BENEFIT_MEDIAN,
        BDC,
        "Benefit new claim: end-to-end days (median)",
        "days",
        "lower",
        "monthly",
        None,
        "mdc",
    ),  # fmt: skip
    (HOU, BDC, "Housing register end to end", "days", "lower", "monthly", 45, "mdc"),
    (HOU, RBC, "Housing register end to end", "days", "lower", "monthly", None, "mdc"),
    ("ENA-QTR", BDC, "Quarterly score", "percent", "higher", "quarterly", 65, "ptd"),
    (
        FLYTIP,
        BDC,
        "Fly-tip report to cleared: days (median)",
        "days",
        "lower",
        "monthly",
        5,
        "mdc",
    ),  # fmt: skip
]


def _case_rows():
    """Benefit new claims in Bromsgrove shaped like the demo's redesign; a long planning series
    in Redditch to check the 300-case limit."""
    rng = np.random.default_rng(11)
    rows = []
    for month in MONTHS:
        for day in range(1, 29, 2):
            received = month.replace(day=day)
            typical = 12 if received >= dt.date(2025, 6, 1) else 24
            days = max(1, int(round(rng.normal(typical, 2.5))))
            completed = received + dt.timedelta(days=days)
            rows.append((BDC, "benefits", "new_claim", received, completed, 0, days))
    for n in range(420):
        received = dt.date(2024, 1, 1) + dt.timedelta(days=n)
        days = int(rng.integers(20, 60))
        completed = received + dt.timedelta(days=days)
        rows.append((RBC, "planning", "minor", received, completed, 2, days))
    return rows


@pytest.fixture
def marts(activated, tmp_path, monkeypatch):
    # the repository's annotations plus one ghosted month for this test's measure
    document = yaml.safe_load(annotations_lib.default_path().read_text())
    document["annotations"].append(
        {
            "measure_id": HOU,
            "council_code": BDC,
            "kind": "ghost",
            "period_start": GHOSTED_MONTH,
            "reason": "System migration; the month's figure is incomplete",
            "recorded_by": "Test",
            "recorded_on": dt.date(2025, 1, 10),
        }
    )
    annotations = tmp_path / "spc_annotations.yml"
    annotations.write_text(yaml.safe_dump(document))
    monkeypatch.setenv("BDC_SPC_ANNOTATIONS", str(annotations))
    monkeypatch.delenv("BDC_TRIALS", raising=False)  # the repository's config/trials.yml
    with psycopg.connect(activated) as conn:
        conn.execute(MARTS_DDL)
        with conn.cursor() as cur:
            cur.executemany(
                "insert into marts.dim_measures (measure_id, council_code, name, unit, polarity,"
                " frequency, target, spc_profile) values (%s, %s, %s, %s, %s, %s, %s, %s)",
                MEASURES,
            )
            cur.executemany(
                "insert into marts.fct_measure_values (measure_id, council_code, period_start, "
                "period_end, geography_type, geography_code, value, status, loaded_at) "
                "values (%s, %s, %s, %s, %s, %s, %s, 'final', now())",
                _measure_rows(),
            )
            cur.executemany(
                "insert into marts.fct_case_end_to_end values (%s, %s, %s, %s, %s, %s, %s)",
                _case_rows(),
            )
    result = dg.materialize(
        analysis_assets(), resources={"warehouse": WarehouseResource(url=activated)}
    )
    assert result.success
    return activated


def _read(url, query):
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        cur.execute(query)
        return pd.DataFrame(cur.fetchall(), columns=[c.name for c in cur.description])


def _text(value):
    """A text cell as read into pandas (NULL may arrive as NaN)."""
    return value if isinstance(value, str) else None


def _same(a, b):
    if a is None or (isinstance(a, float) and math.isnan(a)) or a is pd.NA:
        return b is None or b is pd.NA or (isinstance(b, float) and math.isnan(b))
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def _expected_measure_frame():
    """The council series built independently: complete periods, latest value, then
    xmr_frame with the options the definitions and the annotation imply."""
    frames = []
    rows = pd.DataFrame(
        _measure_rows(),
        columns=[
            "measure_id",
            "council_code",
            "period_start",
            "period_end",
            "geo_type",
            "geo_code",
            "value",
        ],
    )
    rows = rows[(rows.geo_type == "council") & (rows.measure_id != "NO-DEF")]
    options = {}
    for (measure_id, council), group in rows.groupby(["measure_id", "council_code"]):
        step = 3 if measure_id == "ENA-QTR" else 1
        periods = pd.date_range(
            group.period_start.min(), group.period_start.max(), freq=f"{step}MS"
        )
        periods = [p.date() for p in periods]
        values = dict(zip(group.period_start, group.value, strict=True))
        key = f"{measure_id}|{council}"
        frames.append(
            pd.DataFrame(
                {
                    "series": key,
                    "period_start": periods,
                    "value": pd.array([values.get(p) for p in periods], dtype="Float64"),
                }
            )
        )
        definition = next(m for m in MEASURES if m[0] == measure_id and m[1] == council)
        options[key] = {
            "profile": definition[7],
            "improvement": "decrease" if definition[4] == "lower" else "increase",
            "chunky": "suppress",  # every published chart (orchestration.lib.analysis.signals)
        }
        if definition[6] is not None:
            options[key]["target"] = float(definition[6])
        if key == f"{HOU}|{BDC}":
            options[key]["ghost"] = [periods.index(GHOSTED_MONTH)]
        if key == f"{BENEFIT_MEDIAN}|{BDC}":  # the repository's annotation
            options[key]["recalc"] = [periods.index(REDESIGN_START)]
    return xmr_frame(pd.concat(frames), by="series", options_by_group=options), options


def test_measure_spc_equals_the_batch_engine(marts):
    (points, summary), _ = _expected_measure_frame()
    table = _read(
        marts, "select * from analysis.measure_spc order by measure_id, council_code, period_start"
    )
    assert len(table) == len(points)
    points = points.sort_values(["series", "period_start"]).reset_index(drop=True)
    assert list(table.measure_id + "|" + table.council_code) == list(points.series)
    assert list(table.period_start) == list(points.period_start)
    for column in ("value", "mean", "upl", "lpl", "upper_two_sigma", "lower_two_sigma"):
        for got, want in zip(table[column], points[column], strict=True):
            assert _same(got, want), column
    assert list(table.partition) == list(points.group)
    assert list(table.ghost) == list(points.ghost)
    assert list(table.rules_high) == [",".join(r) for r in points.rules_high]
    assert list(table.rules_low) == [",".join(r) for r in points.rules_low]
    assert [p if isinstance(p, str) else None for p in table.point_type] == [
        p if isinstance(p, str) else None for p in points.point_type
    ]
    # the ward row never reaches the chart; the missing and the annotated month are ghosted
    assert 99.0 not in set(table.value.dropna())
    ghosted = table[(table.measure_id == HOU) & (table.council_code == BDC) & table.ghost]
    assert set(ghosted.period_start) == {MONTHS[9], GHOSTED_MONTH}


def test_measure_icons_one_row_per_measure_and_council(marts):
    (_, summary), options = _expected_measure_frame()
    icons = _read(marts, "select * from analysis.measure_icons order by measure_id, council_code")
    assert list(icons.measure_id + "|" + icons.council_code) == list(summary.series)
    for got, want in zip(icons.to_dict("records"), summary.to_dict("records"), strict=True):
        assert _text(got["variation_icon"]) == want["variation_icon"]
        assert _text(got["assurance_icon"]) == want["assurance_icon"]
        assert got["spc_shown"] == want["spc_shown"]
        assert got["n"] == want["n"]
        assert _same(got["latest_value"], want["latest_value"])
        assert got["warnings"] == "; ".join(want["warnings"])
        assert got["chart_svg"].startswith("<svg") and got["text_alternative"]
    bdc = icons[(icons.measure_id == HOU) & (icons.council_code == BDC)].iloc[0]
    assert bdc.spc_shown and bdc.latest_period_start == MONTHS[-1]
    # the recorded reason is on the chart and in its text alternative
    assert "System migration" in bdc.chart_svg and "System migration" in bdc.text_alternative
    rbc = icons[(icons.measure_id == HOU) & (icons.council_code == RBC)].iloc[0]
    assert (
        not rbc.spc_shown
        and _text(rbc.variation_icon) is None
        and "run chart" in rbc.text_alternative
    )
    # and the single-series engine agrees on one chart
    single = xmr([*_measure_series_values(marts)], **options[f"{HOU}|{BDC}"])
    assert single["variation_icon"] == _text(bdc.variation_icon)
    assert single["assurance_icon"] == _text(bdc.assurance_icon)


def _measure_series_values(url):
    table = _read(
        url,
        f"select value from analysis.measure_spc where measure_id = '{HOU}' "
        f"and council_code = '{BDC}' order by period_start",
    )
    return [None if pd.isna(v) else v for v in table.value]


def test_case_charts_individual_and_monthly(marts):
    icons = _read(marts, "select * from analysis.case_e2e_icons order by 1, 2, 3, 4")
    assert list(zip(icons.council_code, icons.service, icons.view, strict=True)) == [
        (BDC, "benefits", "case"),
        (BDC, "benefits", "month"),
        (RBC, "planning", "case"),
        (RBC, "planning", "month"),
    ]
    spc = _read(marts, "select * from analysis.case_e2e_spc order by 1, 2, 3, 4, point_index")
    planning = spc[(spc.service == "planning") & (spc.view == "case")]
    assert len(planning) == 300  # most recent 300 of 420
    cases = pd.DataFrame(
        _case_rows(),
        columns=["council", "service", "case_type", "received", "completed", "p", "e2e"],
    )
    latest = (
        cases[cases.service == "planning"].sort_values(["completed", "received", "e2e"]).tail(300)
    )
    assert list(planning.value) == [float(v) for v in latest.e2e]
    expected = xmr(list(latest.e2e.astype(float)), improvement="decrease", chunky="suppress")
    assert [p["point_type"] for p in expected["points"]] == list(planning.point_type)

    month = spc[(spc.service == "benefits") & (spc.view == "month")]
    bdc = cases[cases.service == "benefits"].copy()
    bdc["month"] = [d.replace(day=1) for d in bdc.completed]
    medians = bdc.groupby("month").e2e.median()
    assert list(month.period_start) == list(medians.index)
    assert list(month.value) == [float(v) for v in medians]
    assert list(month.cases) == list(bdc.groupby("month").size())
    # the repository's annotation recalculates the benefits charts at the redesign
    assert month.partition.max() == 1
    assert month[month.partition == 1].period_start.min() == dt.date(2025, 6, 1)


def test_trial_reads_only_its_services_cases(marts):
    """Trial verdicts read the cases of the series they judge, not every service's: the same
    series as the full charts, and nothing else."""
    annotations = annotations_lib.load()
    everything, _ = case_chart_series(marts, annotations)
    benefits, _ = case_chart_series(marts, annotations, {"case_e2e:benefits:new_claim"})
    assert [s.key for s in benefits] == [
        (BDC, "benefits", "new_claim", "case"),
        (BDC, "benefits", "new_claim", "month"),
    ]
    assert benefits == [s for s in everything if s.key[1] == "benefits"]
    assert case_chart_series(marts, annotations, {"case_e2e:planning:major"})[0] == []


def test_demo_trial_is_an_improvement(marts):
    trials = _read(marts, "select * from analysis.trials")
    demo = trials[trials.trial_id == "bdc-benefits-new-claims-redesign"].iloc[0]
    assert list(demo.measure_ids) == [BENEFIT_MEDIAN, "case_e2e:benefits:new_claim"]
    verdicts = _read(marts, "select * from analysis.trial_verdicts order by measure_id")
    verdicts = verdicts[verdicts.trial_id == "bdc-benefits-new-claims-redesign"]
    assert set(verdicts.measure_id) == {BENEFIT_MEDIAN, "case_e2e:benefits:new_claim"}
    for row in verdicts.itertuples():
        assert row.verdict == "improvement" and row.sustained, row.measure_id
        assert "special-cause improvement" in row.evidence
    # the measure chart shows the recorded recalculation at the redesign
    spc = _read(
        marts,
        f"select period_start, partition from analysis.measure_spc "
        f"where measure_id = '{BENEFIT_MEDIAN}' order by period_start",
    )
    assert spc[spc.partition == 1].period_start.min() == REDESIGN_START


def _flytip_icon(url):
    return _read(url, f"select * from analysis.measure_icons where measure_id = '{FLYTIP}'").iloc[0]


def test_whole_day_median_shows_no_special_cause(marts):
    """The fly-tip clearance median sits at 3 days with a 4 now and then: chunky data. Read
    with the engine default its latest 4 is special-cause concern and the target 'passes'; the
    pipeline's charts show no special cause and no icon, and the text alternative says why."""
    unsuppressed = xmr(FLYTIP_DAYS, improvement="decrease", target=5.0)
    assert unsuppressed["variation_icon"] == "concern_high"
    assert unsuppressed["points"][-1]["point_type"] == "special_cause_concern"

    icon = _flytip_icon(marts)
    assert icon.spc_shown and icon.n == len(FLYTIP_DAYS)
    assert _text(icon.variation_icon) is None and _text(icon.assurance_icon) is None
    assert icon.warnings.startswith(
        "chunky data: group 0 (points 0-29) is recorded in steps of 1, too coarse"
    )
    assert icon.warnings.endswith("special causes not shown")
    assert icon.text_alternative.startswith(
        "Fly-tip report to cleared: days (median): the figures are recorded in steps too coarse "
        "for their variation (whole days), so this chart cannot show special causes; read the "
        "values, not the signals. Latest value 4 days in September 2025."
    )
    assert "process limits" not in icon.text_alternative
    assert "cannot show special causes" in icon.chart_svg
    points = _read(
        marts,
        f"select point_type, rules_high, rules_low, upl from analysis.measure_spc "
        f"where measure_id = '{FLYTIP}' order by period_start",
    )
    assert set(points.point_type) == {"common_cause"}
    assert set(points.rules_high) == {""} and set(points.rules_low) == {""}
    assert points.upl.notna().all()  # the limits are still reported


def test_a_result_stored_before_the_setting_is_recomputed_on_the_next_run(marts):
    """No cache: a chart stored by an earlier run (here, as the engine default drew it) is
    replaced by the next run."""
    with psycopg.connect(marts) as conn:
        conn.execute(
            "update analysis.measure_icons set variation_icon = 'concern_high', "
            "assurance_icon = 'pass', warnings = '', text_alternative = 'stale' "
            "where measure_id = %s",
            [FLYTIP],
        )
        conn.execute(
            "update analysis.measure_spc set point_type = 'special_cause_concern' "
            "where measure_id = %s",
            [FLYTIP],
        )
    result = dg.materialize(
        analysis_assets(), resources={"warehouse": WarehouseResource(url=marts)}
    )
    assert result.success
    icon = _flytip_icon(marts)
    assert _text(icon.variation_icon) is None and _text(icon.assurance_icon) is None
    assert "cannot show special causes" in icon.text_alternative
    assert _read(
        marts,
        f"select distinct point_type from analysis.measure_spc where measure_id = '{FLYTIP}'",
    ).point_type.tolist() == ["common_cause"]


def test_rerun_replaces_rather_than_appends(marts):
    before = _read(marts, "select count(*) as n from analysis.measure_spc").n[0]
    result = dg.materialize(
        analysis_assets(), resources={"warehouse": WarehouseResource(url=marts)}
    )
    assert result.success
    assert _read(marts, "select count(*) as n from analysis.measure_spc").n[0] == before
