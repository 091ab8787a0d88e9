"""The one call to the publication gate (orchestration/lib/quality/gate.py, owned by quality)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field


@dataclass
class Decision:
    allowed: bool
    reasons: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


SHOWN_REASONS = 3


class Refused(RuntimeError):
    """The gate does not allow this report; the last good version stays in place."""


def check(url: str, kind: str, period_end: dt.date, today: dt.date | None = None) -> Decision:
    """The gate's decision for this kind's pack ending `period_end`, as of `today` (London)."""
    try:
        from orchestration.lib.quality.gate import check_gate
    except ImportError:
        return Decision(
            False,
            ["the publication gate (orchestration/lib/quality/gate.py) is not installed, "
             "so nothing can be checked before publishing"],
        )  # fmt: skip
    decision = check_gate(url, f"report:{kind}", period_end, today=today)
    return Decision(bool(decision.allowed), list(decision.reasons), list(decision.warnings))


def require(url: str, kind: str, period_end: dt.date, today: dt.date | None = None) -> Decision:
    decision = check(url, kind, period_end, today=today)
    if not decision.allowed:
        shown = "; ".join(decision.reasons[:SHOWN_REASONS])
        more = len(decision.reasons) - SHOWN_REASONS
        raise Refused(
            f"The publication gate refused the {kind} report ({len(decision.reasons)} "
            f"reason(s)): {shown}{f'; and {more} more' if more > 0 else ''}.\n"
            "The last good version is unchanged; fix or waive the failures, then run again."
        )
    return decision
