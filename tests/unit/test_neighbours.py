"""Shaping the published comparisons for readers (orchestration.lib.neighbours)."""

import pytest

from orchestration.lib import neighbours

pytestmark = pytest.mark.unit


def _row(area, name, value, rate, rank, latest=True, period="2021-04-01", label="2021-22"):
    return {
        "comparison_id": "flytipping_incidents", "comparison_name": "Fly-tipping incidents",
        "source_table": "stats_flytipping", "unit": "count", "polarity": "lower",
        "sort_order": "1", "period_start": period, "period_label": label, "area_code": area,
        "area_name": name, "value": value, "rate": rate, "rate_unit": "per 1,000 residents",
        "rank_among_neighbours": rank, "districts_ranked": "2", "is_latest_period": latest,
        "source": "Defra",
    }  # fmt: skip


def test_rank_reads_in_plain_english():
    assert neighbours.rank_text("1", "6", "lower") == "lowest of 6"
    assert neighbours.rank_text("2", "6", "lower") == "2nd lowest of 6"
    assert neighbours.rank_text("3", "6", "higher") == "3rd highest of 6"
    assert neighbours.rank_text("11", "12", "neutral") == "11th highest of 12"
    assert neighbours.rank_text("", "6", "lower") == ""


def test_comparison_for_one_council_has_the_districts_and_its_history():
    rows = [
        _row("E07000234", "Bromsgrove", "1261", "12.71", "2"),
        _row("E07000235", "Malvern Hills", "236", "2.97", "1"),
        _row("E07000234", "Bromsgrove", "2549", "25.35", "2", False, "2020-04-01", "2020-21"),
    ]
    (comparison,) = neighbours.comparisons(rows, "E07000234")
    assert [r["area"] for r in comparison.latest] == ["Malvern Hills", "Bromsgrove"]
    assert [r["own"] for r in comparison.latest] == [False, True]
    assert [h["period"] for h in comparison.history] == ["2020-21", "2021-22"]
    assert comparison.latest[1]["value"] == "1,261"
    assert comparison.summary == (
        "12.71 per 1,000 residents in 2021-22: 2nd lowest of 2 Worcestershire districts"
    )
    assert neighbours.comparisons(rows, "E07000236") == []


def test_nearest_note_says_which_neighbours_are_missing():
    nearest = [
        {"area_code": "E07000234", "neighbour_rank": str(i), "neighbour_name": f"Place {i}",
         "neighbour_in_snapshot": "false"}
        for i in range(1, 8)
    ]  # fmt: skip
    note = neighbours.nearest_note(nearest, "E07000234", "Bromsgrove")
    assert "Place 1, Place 2, Place 3, Place 4, Place 5 and 2 more" in note
    assert "All are outside Worcestershire" in note
    nearest[6]["neighbour_in_snapshot"] = "true"
    assert "6 of the 7 are outside" in neighbours.nearest_note(nearest, "E07000234", "Bromsgrove")
    assert neighbours.nearest_note(nearest, "E07000236", "Redditch") == ""
