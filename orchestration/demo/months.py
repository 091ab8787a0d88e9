"""Month arithmetic and per-month random streams for the generator."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

FIRST_MONTH = date(2023, 4, 1)


@dataclass(frozen=True)
class Month:
    start: date

    @property
    def label(self) -> str:
        return f"{self.start.year:04d}-{self.start.month:02d}"

    @property
    def number(self) -> int:
        return self.start.month

    @property
    def next_start(self) -> date:
        year, month = divmod(self.start.year * 12 + self.start.month, 12)
        return date(year, month + 1, 1)

    @property
    def days(self) -> int:
        return (self.next_start - self.start).days

    @property
    def years_since_first(self) -> float:
        return (
            (self.start.year - FIRST_MONTH.year) * 12 + self.start.month - FIRST_MONTH.month
        ) / 12

    def day_array(self) -> np.ndarray:
        return np.datetime64(self.start, "D") + np.arange(self.days)

    def weekday_mask(self) -> np.ndarray:
        # numpy weekday: 1970-01-01 was a Thursday (3 with Monday = 0)
        return ((self.day_array().astype(np.int64) + 3) % 7) < 5


def parse_month(text: str) -> date:
    year, month = text.split("-")
    return date(int(year), int(month), 1)


def month_range(first: date, last: date) -> list[Month]:
    if last < first:
        raise ValueError(f"last month {last:%Y-%m} is before the first month {first:%Y-%m}")
    months, current = [], Month(first)
    while current.start <= last:
        months.append(current)
        current = Month(current.next_start)
    return months


def month_rng(seed: int, stream: int, month: Month) -> np.random.Generator:
    """Independent stream per source and month: a month's rows don't depend on other months."""
    return np.random.default_rng([seed, stream, month.start.year, month.start.month])


def sample_days(rng: np.random.Generator, month: Month, size: int, weekend_weight: float):
    weights = np.where(month.weekday_mask(), 1.0, weekend_weight)
    return month.day_array()[rng.choice(month.days, size=size, p=weights / weights.sum())]
