"""Statistical disclosure control at the publishing boundary (pure: no database, no I/O).

Counts of people or households for areas smaller than a council are suppressed when they are
below a threshold (primary suppression). Then, wherever a published relation would let someone
recover a suppressed count by subtraction, more cells are suppressed (secondary suppression).

A *relation* is a set of cells whose sum is known to the reader: the wards of a council in one
period add up to the council's published figure; the wards of a locality add up to the
locality's figure (modelled as the wards plus the locality cell with a minus sign, summing to
zero). A relation with exactly one unknown cell gives that cell away, so the rule enforced is:
no relation ever holds exactly one suppressed cell. `recoverable` is the independent check: it
solves every relation with one unknown, repeatedly, and reports the cells it could recover.

Markers follow the Government Statistical Service guidance on symbols in tables.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

SUPPRESSED = "[c]"  # confidential: suppressed to protect people's privacy
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
PROVISIONAL = "[p]"
REVISED = "[r]"
MARKERS = {
    SUPPRESSED: "Suppressed to protect confidentiality",
    NOT_AVAILABLE: "Not available",
    NOT_APPLICABLE: "Not applicable",
    PROVISIONAL: "Provisional",
    REVISED: "Revised",
}
DEFAULT_THRESHOLD = 5

# Fields that hold personal data: they must never reach a public table or file.
PERSONAL_FIELDS = frozenset(
    {
        "name_of_person",
        "first_name",
        "forename",
        "surname",
        "last_name",
        "full_name",
        "customer_name",
        "resident_name",
        "address",
        "address_line_1",
        "address_line_2",
        "full_address",
        "street_address",
        "uprn",
        "date_of_birth",
        "dob",
        "birth_date",
        "email",
        "phone",
        "telephone",
        "nino",
        "national_insurance_number",
        "author",
        "entered_by",
        "confirmed_by",
        "added_by",
        "owner",
        "manager",
        "director",
        "portfolio_holder",
    }
)

Cell = Hashable


@dataclass(frozen=True)
class Relation:
    """Cells tied by one published linear relation (a total, or a parent minus its parts)."""

    cells: tuple[Cell, ...]

    @classmethod
    def of(cls, cells: Iterable[Cell]) -> Relation:
        return cls(tuple(dict.fromkeys(cells)))


def primary(counts: Mapping[Cell, float | None], threshold: int = DEFAULT_THRESHOLD) -> set[Cell]:
    """Cells holding a count from 1 up to threshold - 1 (zero discloses nobody)."""
    return {cell for cell, count in counts.items() if count is not None and 0 < count < threshold}


def protect(
    counts: Mapping[Cell, float | None],
    relations: Iterable[Relation],
    threshold: int = DEFAULT_THRESHOLD,
    already: Iterable[Cell] = (),
) -> set[Cell]:
    """Primary plus secondary suppression: the set of cells to publish as [c].

    Cells with no count (None) are unknown to the reader already and count as hidden. Secondary
    suppression picks, in each relation left with one hidden cell, the smallest positive
    published cell (so the pair does not pin a small number down), falling back to any cell.
    """
    relations = [r for r in relations if len(r.cells) > 1]
    hidden = primary(counts, threshold) | set(already)
    unknown = {cell for cell, count in counts.items() if count is None}
    changed = True
    while changed:
        changed = False
        for relation in relations:
            cells = [c for c in relation.cells if c in counts]
            concealed = [c for c in cells if c in hidden or c in unknown]
            if len(concealed) != 1 or concealed[0] not in hidden:
                continue
            partner = _complement(cells, hidden | unknown, counts)
            if partner is None:
                continue
            hidden.add(partner)
            changed = True
    return hidden


def _complement(cells, concealed, counts) -> Cell | None:
    candidates = [c for c in cells if c not in concealed]
    if not candidates:
        return None
    positive = [c for c in candidates if (counts[c] or 0) > 0]
    pool = positive or candidates
    return min(pool, key=lambda c: (counts[c] or 0, str(c)))


def recoverable(published: Mapping[Cell, float | None], relations: Iterable[Relation]) -> set[Cell]:
    """Suppressed cells (value None) a reader can work out by subtraction from the relations.

    Solves any relation with exactly one unknown, repeats until nothing changes. Used by the
    tests and by the publishing step as a final audit.
    """
    relations = [r for r in relations if len(r.cells) > 1]
    known = {cell for cell, value in published.items() if value is not None}
    solved: set[Cell] = set()
    changed = True
    while changed:
        changed = False
        for relation in relations:
            cells = [c for c in relation.cells if c in published]
            if len(cells) != len(relation.cells):
                continue  # a cell the reader never sees: the relation is not usable
            missing = [c for c in cells if c not in known]
            if len(missing) == 1:
                known.add(missing[0])
                solved.add(missing[0])
                changed = True
    return solved


def rate_hidden(numerator_hidden: bool, denominator_hidden: bool) -> bool:
    """A rate built on a suppressed count is suppressed too."""
    return numerator_hidden or denominator_hidden


def status_marker(status: str | None) -> str | None:
    return {"provisional": PROVISIONAL, "revised": REVISED}.get(status or "")


def personal_columns(columns: Iterable[str]) -> list[str]:
    """Columns whose names mark personal data (case-insensitive)."""
    return [c for c in columns if c.lower() in PERSONAL_FIELDS]
