"""An expectation as a suite gives it: a Great Expectations 1.x expectation (snake case) with its
kwargs, the criterion it evidences, the severity of its failure, who owns it and what to do
when it fails; and the six criteria in plain words."""

from dataclasses import dataclass

CRITERIA = ("relevant", "well_defined", "timely", "reliable", "verifiable", "accurate")

# The six criteria as officers read them: a name, a few words for a table cell, and what a
# check under it asks.
CRITERION_WORDS = {
    "relevant": (
        "Relevant",
        "answers a question the council needs answered",
        "The figure answers a question the council needs answered: every strategic measure "
        "belongs to one of the strategy's purposes.",
    ),
    "well_defined": (
        "Well defined",
        "follows its measure's definition",
        "Each figure follows its measure's written definition: the data have the columns, "
        "values and classifications the definition relies on.",
    ),
    "timely": (
        "Timely",
        "arrived when it was due",
        "The data arrived by the date they were due, so the figure describes the period it "
        "is reported for.",
    ),
    "reliable": (
        "Reliable",
        "consistent from one period to the next",
        "The figures are consistent from one period to the next: no duplicates, no sudden "
        "collapse or jump in the volume of data.",
    ),
    "verifiable": (
        "Verifiable",
        "can be traced back to its source file",
        "Each figure can be traced back to the file it came from: every row belongs to a "
        "recorded load, and the rows loaded add up.",
    ),
    "accurate": (
        "Accurate",
        "the values are right",
        "The values are right: codes from the agreed lists, numbers within their ranges, "
        "percentages that add up to their numerator and denominator.",
    ),
}

SEVERITIES = ("ERROR", "WARN")
# Our severities as Great Expectations' native FailureSeverity values (1.x `severity`).
GX_SEVERITY = {"ERROR": "critical", "WARN": "warning"}
SEVERITY_FROM_GX = {"critical": "ERROR", "warning": "WARN", "info": "WARN"}
SEVERITY_WORDS = {
    "ERROR": "Stops publication until it is fixed or waived",
    "WARN": "Warning: recorded, does not stop publication",
}

UNEXPECTED_ROWS = "unexpected_rows_expectation"

# What to do when a check fails, by criterion, for checks whose suite gives no `action`.
DEFAULT_ACTIONS = {
    "relevant": (
        "Check the measure register (config/measures/): give the measure its purpose, or "
        "correct the purpose code, then run the pipeline again."
    ),
    "well_defined": (
        "Ask the data's owner to correct the source and resend the file, or correct the "
        "measure's definition in the register; then run the pipeline again."
    ),
    "timely": "Ask the data's owner when the missing data will arrive, and load them.",
    "reliable": (
        "Compare the rows concerned with the previous periods. If the data are right, the "
        "Policy Team can record a waiver with the reason; if not, ask the owner to resend."
    ),
    "verifiable": (
        "Reload the file concerned through the landing folder so that every row is traced to "
        "its file; never edit the warehouse tables by hand."
    ),
    "accurate": (
        "Ask the data's owner to correct the values concerned and resend the file. If the "
        "values are right, the Policy Team can record a waiver with the reason."
    ),
}


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict
    criterion: str
    severity: str
    id: str = ""
    description: str = ""
    requires: tuple[str, ...] = ()
    owner: str = ""
    action: str = ""

    @property
    def check_id(self) -> str:
        if self.id:
            return self.id
        target = self.kwargs.get("column") or "_".join(self.kwargs.get("column_list", []))
        return f"{self.type}:{target}" if target else self.type

    @property
    def what_to_do(self) -> str:
        return self.action or DEFAULT_ACTIONS[self.criterion]


def criterion_name(criterion: str) -> str:
    return CRITERION_WORDS[criterion][0] if criterion in CRITERION_WORDS else criterion


def row_level(expectation: Expectation) -> bool:
    """Checks that pass exactly when no row is unexpected (no `mostly` is used here)."""
    return expectation.type == UNEXPECTED_ROWS or expectation.type.startswith(
        ("expect_column_values_to_", "expect_compound_columns_to_")
    )
