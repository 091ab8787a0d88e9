import pytest

from orchestration.lib.reporting import model

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("latest", "previous", "polarity", "variation", "expected"),
    [
        (5.0, 4.0, "higher", None, "Up on last month (better)"),
        (5.0, 4.0, "lower", "common_cause", "Up on last month (worse)"),
        (3.0, 4.0, "lower", None, "Down on last month (better)"),
        (3.0, 4.0, "neutral", None, "Down on last month"),
        (4.0, 4.0, "higher", None, "No change on last month"),
        (4.0, None, "higher", None, "No previous value to compare with"),
        (
            46.11,
            45.0,
            "lower",
            "improvement_low",
            "Up on last month (worse for this one period), within a sustained improvement",
        ),
        (
            3.0,
            4.0,
            "lower",
            "concern_high",
            "Down on last month (better for this one period), within a sustained decline",
        ),
        (5.0, 4.0, "higher", "improvement_high", "Up on last month (better)"),
    ],
)
def test_direction_follows_polarity_and_never_contradicts_the_icon(
    latest, previous, polarity, variation, expected
):
    assert model.direction(latest, previous, polarity, variation) == expected


def test_a_target_says_where_it_comes_from_or_why_there_is_none():
    row = {
        "target": "60",
        "unit": "percent",
        "target_basis": "national standard",
        "target_set_by": "Department for Levelling Up, Housing and Communities",
        "target_set_on": "2022-10-19",
        "target_source": "The designation threshold.",
    }
    assert model.target_text(row) == (
        "60% (national standard, set by Department for Levelling Up, Housing and Communities, "
        "19 October 2022). The designation threshold."
    )
    assert model.target_text({"target": "", "no_target_reason": "Judged by its chart."}) == (
        "No target set. Judged by its chart."
    )


@pytest.mark.parametrize(
    ("variation", "point", "assurance", "is_exception"),
    [
        ("concern_high", "special_cause_concern", None, True),
        ("common_cause", "common_cause", "fail", True),
        ("common_cause", "special_cause_concern", "hit_or_miss", True),
        ("improvement_low", "special_cause_improvement", "pass", False),
        ("common_cause", "common_cause", "hit_or_miss", False),
        ("", "", "", False),
    ],
)
def test_exceptions_are_spc_signals_of_concern(variation, point, assurance, is_exception):
    chart = {"variation_icon": variation, "latest_point_type": point, "assurance_icon": assurance}
    assert bool(model._exception(chart)) is is_exception


def test_each_chart_gets_its_own_title_and_desc_ids():
    svg = (
        '<svg aria-labelledby="chart-title chart-desc"><title id="chart-title">t</title>'
        '<desc id="chart-desc">d</desc></svg>'
    )
    out = model._with_unique_ids(svg, "m1")
    assert 'aria-labelledby="chart-title-m1 chart-desc-m1"' in out
    assert 'id="chart-title-m1"' in out and 'id="chart-desc-m1"' in out
    assert 'id="chart-title"' not in out


def _snapshot(context: dict[str, str]) -> dict:
    from orchestration.lib.reporting import data

    base = {"kind": "scrutiny", "period": "2025-26-Q4", "label": "Quarter 4 2025/26",
            "meeting_date": "2026-05-20", "councils": "E07000234;E07000236",
            "previous_issue": "", "notes": ""}  # fmt: skip
    rows = [{"key": k, "value": v} for k, v in {**base, **context}.items()]
    return {name: [] for name in data.TABLES} | {"context": rows}


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        ({"demonstration": "true"}, True),
        ({"demonstration": "false"}, False),
        ({}, False),  # a snapshot issued before the label existed
    ],
)
def test_documents_are_labelled_only_from_a_demonstration_snapshot(context, expected):
    docs = model.documents(_snapshot(context))
    assert len(docs) == 2 and all(doc.demonstration is expected for doc in docs)


def test_a_budget_variance_reads_as_overspend_or_underspend():
    assert model.variance_words(25691.0) == "£25,691 overspend"
    assert model.variance_words(-1200.0) == "£1,200 underspend"
    assert model.variance_direction(30000.0, 25691.0, "last month") == (
        "Overspend up on last month (worse)"
    )
    assert model.variance_direction(-1000.0, -4000.0, "last month") == (
        "Underspend down on last month (better)"
    )
    assert "Underspend now" in model.variance_direction(-10.0, 20.0, "last month")
    assert model.is_variance({"unit": "gbp", "name": "Budget variance: spend less budget"})
    assert not model.is_variance({"unit": "gbp", "name": "Cost of failure demand"})


def test_a_portfolio_holder_is_named_by_title_without_the_council():
    assert model.holder_title("Portfolio Holder for Environmental Services (Bromsgrove)") == (
        "Portfolio Holder for Environmental Services"
    )
    assert model.holder_title("Cllr A. Member") == "Cllr A. Member"


def test_quality_reasons_are_plain_words():
    rows = [
        {"criterion": "well_defined", "status": "pass", "evidence": "All checks passed."},
        {
            "criterion": "timely",
            "status": "warn",
            "evidence": "service_cases: data for April 2026 arrived late (05 June 2026; due by "
            "09 May 2026) | service_cases: data for May 2026 arrived late (05 June 2026; due "
            "by 08 June 2026)",
        },
        {
            "criterion": "reliable",
            "status": "fail",
            "evidence": "marts.fct_measure_values: No figure jumps. Unexpected: 2.",
        },
    ]
    reasons = model.quality_reasons(rows)
    assert len(reasons) == 2
    assert reasons[0].startswith("Timely: warning (this criterion checks whether the data")
    assert "Service cases data arrived late (2 months, the latest May 2026)." in reasons[0]
    assert reasons[1] == (
        "Reliable: failed (this criterion checks whether the figures are consistent from one "
        "period to the next). No figure jumps (2 exception(s) found)."
    )
    assert not any("_" in r or "marts" in r for r in reasons)


@pytest.mark.parametrize(
    ("frequency", "latest", "then", "label"),
    [
        ("monthly", "2026-02-01", "2025-02-01", "February 2025"),
        ("quarterly", "2026-01-01", "2025-01-01", "Q4 2024/25"),
        ("annual", "2025-04-01", "2024-04-01", "2024/25"),
    ],
)
def test_same_period_last_year_by_frequency(frequency, latest, then, label):
    series = [
        {"period_start": then, "value": "12"},
        {"period_start": latest, "value": "15"},
    ]
    text = model.same_period_last_year(series, model._date(latest), frequency, "count")
    assert text.startswith("12 in ") and label in text
    assert model.same_period_last_year(series[1:], model._date(latest), frequency, "count") == (
        f"No figure for {text.split(' in ', 1)[1]}"
    )
