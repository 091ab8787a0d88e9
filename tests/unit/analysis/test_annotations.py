"""Annotations: validated on load, mapped onto chart points, drawn with their reasons."""

import datetime as dt

import pytest
import yaml

from orchestration.lib.analysis import annotations
from orchestration.lib.analysis.annotations import AnnotationError
from orchestration.lib.spc import xmr
from orchestration.lib.spc.charts import render_svg

pytestmark = pytest.mark.unit

ENTRY = {
    "measure_id": "hou_e2e_housing_register_median",
    "council_code": "E07000234",
    "kind": "recalc",
    "period_start": dt.date(2025, 6, 1),
    "reason": "Service redesign trial",
    "recorded_by": "Policy Team",
    "recorded_on": dt.date(2025, 6, 2),
}
MONTHS = [dt.date(2024 + (m // 12), m % 12 + 1, 1) for m in range(24)]  # Jan 2024 - Dec 2025


def test_a_complete_entry_loads(tmp_path):
    path = tmp_path / "spc_annotations.yml"
    path.write_text(yaml.safe_dump({"annotations": [ENTRY]}))
    (loaded,) = annotations.load(path)
    assert loaded.kind == "recalc" and loaded.period_start == dt.date(2025, 6, 1)
    assert loaded.reason == "Service redesign trial"


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_no_reason_is_a_clear_error(reason):
    entry = {**ENTRY, "reason": reason}
    with pytest.raises(AnnotationError, match="annotation 1, field 'reason': is required"):
        annotations.parse([entry], "spc_annotations.yml")


def test_missing_reason_field_is_refused_too():
    entry = {k: v for k, v in ENTRY.items() if k != "reason"}
    with pytest.raises(AnnotationError, match="field 'reason': is required; why: a known change"):
        annotations.parse([entry])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "rebase"}, "field 'kind': must be one of recalc, ghost, baseline"),
        ({"period_start": "June 2025"}, "field 'period_start': must be a date"),
        ({"colour": "red"}, "field 'colour': is not a field it may have"),
        ({"recorded_by": None}, "field 'recorded_by': is required"),
    ],
)
def test_other_bad_entries_are_named(change, message):
    with pytest.raises(AnnotationError, match=message):
        annotations.parse([{**ENTRY, **change}])


def test_two_baselines_for_one_chart_are_refused():
    baseline = {**ENTRY, "kind": "baseline"}
    with pytest.raises(AnnotationError, match="more than one baseline"):
        annotations.parse([baseline, {**baseline, "period_start": dt.date(2025, 1, 1)}])


def test_the_repository_file_is_valid():
    loaded = annotations.load(annotations.default_path())
    assert all(item.reason for item in loaded)


def test_chart_options_map_dates_to_points():
    parsed = annotations.parse(
        [
            ENTRY,
            {**ENTRY, "kind": "ghost", "period_start": dt.date(2024, 3, 1)},
            {**ENTRY, "kind": "baseline", "period_start": dt.date(2025, 1, 1)},
        ]
    )
    options, notes = annotations.chart_options(parsed, MONTHS)
    assert options["recalc"] == [MONTHS.index(dt.date(2025, 6, 1))]
    assert options["ghost"] == [2]
    assert options["baseline_end"] == MONTHS.index(dt.date(2025, 1, 1)) - 1
    assert {note["kind"] for note in notes} == {"recalc", "ghost", "baseline"}


def test_ghost_covers_every_case_in_its_month_and_recalc_the_first_case_after():
    days = [dt.date(2025, 5, 28), dt.date(2025, 6, 3), dt.date(2025, 6, 20), dt.date(2025, 7, 1)]
    parsed = annotations.parse([ENTRY, {**ENTRY, "kind": "ghost"}])
    options, _ = annotations.chart_options(parsed, days)
    assert options["ghost"] == [1, 2] and options["recalc"] == [1]


def test_only_the_named_series_is_annotated():
    parsed = annotations.parse([ENTRY])
    assert annotations.for_series(parsed, "hou_e2e_housing_register_median", "E07000236") == []
    assert annotations.for_series(parsed, "hou_e2e_housing_register_median", "E07000234") == parsed


def test_the_reason_is_drawn_on_the_chart_and_in_its_description():
    values = [20 + (i % 3) for i in range(17)] + [12, 11, 12, 13, 12, 11, 12]
    options, notes = annotations.chart_options(annotations.parse([ENTRY]), MONTHS)
    result = xmr(values, improvement="decrease", **options)
    assert len(result["groups"]) == 2
    svg = render_svg(result, "Days", "days", MONTHS, "decrease", annotations=notes)
    assert 'class="annotation annotation-recalc"' in svg
    assert "Limits recalculated from June 2025: Service redesign trial" in svg
    assert "Service redesign trial" in svg.split("<desc")[1].split("</desc>")[0]
