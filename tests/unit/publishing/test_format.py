"""How the public site words periods and sources."""

import datetime as dt

import pytest

from orchestration.lib.publishing import format as fmt

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (dt.date(2026, 10, 1), dt.date(2026, 10, 31), "October 2026"),
        (dt.date(2026, 7, 1), dt.date(2026, 9, 30), "Q2 2026/27 (July to September 2026)"),
        (dt.date(2025, 4, 1), dt.date(2026, 3, 31), "2025/26"),
        (dt.date(2026, 9, 1), dt.date(2026, 10, 31), "September 2026 to October 2026"),
    ],
)
def test_a_row_is_named_by_its_own_period(start, end, label):
    assert fmt.period({"period_start": start, "period_end": end}) == label


def test_sources_read_as_people_say_them_never_as_table_names():
    assert fmt.sources("service_cases,case_clock_pauses") == "The services' case records"
    assert fmt.sources("finance_ledger,crm_contacts") == (
        "The council's accounts and the council's customer contact records"
    )
    assert fmt.sources("input.manual_values").startswith("Figures the service enters")
    assert fmt.sources("ref_nearest_neighbours") == (
        "Statistical nearest neighbours (ONS clustering, 2025)"
    )  # a source with no wording of its own reads as its contract's title
    assert fmt.sources("") == "Not recorded"
