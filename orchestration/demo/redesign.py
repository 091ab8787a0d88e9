"""The one service redesign the demo data carries, for the analysis to find."""

from __future__ import annotations

from datetime import date

import numpy as np

# Benefit new claims in Bromsgrove were redesigned (check-plan-do) from this date: median
# end-to-end time falls from about 24 to about 12 days, with less variation.
REDESIGN = {
    "service": "benefits",
    "case_type": "new_claim",
    "council_code": "E07000234",
    "start": date(2025, 6, 1),
}


def redesign_applies(council_code: np.ndarray, received: date | np.ndarray) -> np.ndarray:
    """True where a record belongs to the redesigned council and arrived on or after the start."""
    if isinstance(received, date):
        after = np.full(len(council_code), received >= REDESIGN["start"])
    else:
        after = np.asarray(received) >= np.datetime64(REDESIGN["start"], "D")
    return (np.asarray(council_code) == REDESIGN["council_code"]) & after
