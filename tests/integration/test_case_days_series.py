"""The case charts' monthly medians from end-to-end days measured from times (fractional) and
from dates (whole days), read as CASE_DAYS_SQL's counts."""

import datetime as dt

import pandas as pd
import psycopg
import pytest

from orchestration.lib.analysis import series

pytestmark = pytest.mark.integration

BDC = "E07000234"
MONTH = dt.date(2024, 4, 1)


def _days(url: str, cases: list[tuple[str, float]]) -> pd.DataFrame:
    with psycopg.connect(url) as conn:
        conn.execute(
            "create table marts.fct_case_end_to_end (council_code text, service text, "
            "case_type text, received_date date, completed_date date, net_days numeric)"
        )
        with conn.cursor() as cursor:
            cursor.executemany(
                "insert into marts.fct_case_end_to_end values (%s, %s, %s, %s, %s, %s)",
                [
                    (BDC, "street_scene", case_type, MONTH, MONTH + dt.timedelta(days=5), days)
                    for case_type, days in cases
                ],
            )
        rows = conn.execute(series.CASE_DAYS_SQL, {"series_ids": None})
        names = [column.name for column in rows.description]
        return pd.DataFrame(rows.fetchall(), columns=names)


def test_fractional_days_give_medians_to_the_hour_in_a_row_per_hour(fresh_db):
    hour = 1 / 24
    timed = [2.0 + 0.1 * hour, 2.0 + 0.3 * hour, 2.5, 3.25 + 0.2 * hour, 4.0]
    dated = [1, 2, 2, 3]
    days = _days(
        fresh_db, [("fly_tipping", d) for d in timed] + [("noise_complaint", d) for d in dated]
    )
    # The two cases within the same hour share a row: the counts stay bounded.
    counts = days.groupby("case_type")["cases"].agg(["size", "sum"])
    assert counts.loc["fly_tipping"].tolist() == [4, 5]
    assert counts.loc["noise_complaint"].tolist() == [3, 4]
    medians = series.monthly_medians(days).set_index("case_type")["value"]
    assert medians["fly_tipping"] == pytest.approx(2.5)
    assert medians["noise_complaint"] == 2.0  # whole days stay whole


def test_a_median_between_two_hours_is_their_mean(fresh_db):
    days = _days(fresh_db, [("fly_tipping", d) for d in (1.0, 2.0 + 1 / 24, 3.0 + 2 / 24, 5.0)])
    medians = series.monthly_medians(days)
    assert medians["value"].tolist() == pytest.approx([(2 + 1 / 24 + 3 + 2 / 24) / 2])
    assert medians["cases"].tolist() == [4]
