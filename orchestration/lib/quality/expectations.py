"""An expectation as a suite gives it: a Great Expectations 1.x expectation (snake case) with its
kwargs, the criterion it evidences and the severity of its failure."""

from dataclasses import dataclass

CRITERIA = ("relevant", "well_defined", "timely", "reliable", "verifiable", "accurate")
SEVERITIES = ("ERROR", "WARN")
UNEXPECTED_ROWS = "unexpected_rows_expectation"


@dataclass(frozen=True)
class Expectation:
    type: str
    kwargs: dict
    criterion: str
    severity: str
    id: str = ""
    description: str = ""
    requires: tuple[str, ...] = ()

    @property
    def check_id(self) -> str:
        if self.id:
            return self.id
        target = self.kwargs.get("column") or "_".join(self.kwargs.get("column_list", []))
        return f"{self.type}:{target}" if target else self.type


def row_level(expectation: Expectation) -> bool:
    """Checks that pass exactly when no row is unexpected (no `mostly` is used here)."""
    return expectation.type == UNEXPECTED_ROWS or expectation.type.startswith(
        ("expect_column_values_to_", "expect_compound_columns_to_")
    )
