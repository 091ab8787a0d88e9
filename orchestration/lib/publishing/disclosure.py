"""Statistical disclosure control at the publishing boundary (pure: no database, no I/O).

Counts of people or households for areas smaller than a council are suppressed (`[c]`) when they
are from 1 to threshold - 1: primary suppression. Zero discloses nobody and is published. More
cells are then suppressed (secondary suppression) until the protection rule below holds.

What a reader is assumed to know
- Every published cell and total. A *relation* is a set of cells whose signed sum the reader
  knows: the wards of a council in one period add up to the council's figure, so do its
  localities together with any ward in no locality, and the wards of a locality minus the
  locality come to zero. A cell of a relation that is not in the table being protected (the
  council figure; a locality figure another output publishes) counts as published. Relations are
  taken as exact, with the true sum of their cells, even where a published total also counts
  records with no ward: the reader is assumed to know at least as much as they really can.
  Cells with no figure (`[x]`) give no cover.
- That every count is a whole number of at least 0, and, because zeros are published (a zero is
  never suppressed, not even as a secondary cell), that every `[c]` is at least 1.
- Not which `[c]` is primary and which secondary: that is not published, so a `[c]` is not
  assumed to be below the threshold.
From this the reader can work out, for each `[c]`, a feasible interval [lo, hi]: the least and
greatest values the cell can take. `feasible_ranges` computes it exactly by linear programming
(minimise and maximise the cell subject to every relation; scipy's HiGHS). The relations of
wards, localities and a council form a totally unimodular system, so these bounds are whole
numbers: a reader reasoning in whole numbers learns nothing more.

The protection rule (upper and lower protection levels, as in tau-ARGUS and sdcTable audits)
- A primary cell holding x must keep lo <= 1 and hi >= threshold: a lower protection of x - 1 and
  an upper protection of threshold - x. The reader can rule out no small value, nor that the
  cell holds the threshold or more. A reader who guesses that a `[c]` is a primary and caps it at
  threshold - 1 is left with "1 to threshold - 1", exactly what the `[c]` itself says.
- A secondary cell must not be recoverable: hi >= lo + 1.
- Where the published totals alone pin a cell down further (a council figure below the
  threshold, say), the requirement is lowered to what hiding every non-zero cell of the table
  would give: no suppression inside the table can do better.

`protect` works in rounds, deterministically (cells and relations in a fixed order, whatever the
input order). Each round bounds every cell still unproven; for each that fails, it hides the
smallest non-zero published cell of a relation that limits it, skipping cells the totals alone
give away. Hiding a cell only widens every interval, so a cell that passed stays passed. The
bounds are exact either way: interval propagation when the relations holding hidden cells form
a tree (wards in localities in a council do, once the wards' total, implied by the others, is
dropped), the LP otherwise. `audit` is the independent check the tests run: the LP bounds of
every `[c]`, and the cells that break the rule. `recoverable` is the older, weaker check (a
relation with exactly one unknown), kept as a quick test.

Markers follow the Government Statistical Service guidance on symbols in tables.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import linprog

log = logging.getLogger(__name__)

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
EPS = 1e-6  # LP tolerance, on whole-number counts


@dataclass(frozen=True)
class Relation:
    """Cells whose signed sum the reader knows: a total, or a parent minus its parts."""

    cells: tuple[Cell, ...]
    signs: tuple[int, ...] = ()  # +1 or -1 per cell; empty: all +1

    @classmethod
    def of(cls, cells: Iterable[Cell], minus: Iterable[Cell] = ()) -> Relation:
        """The cells (duplicates dropped), those in `minus` counted with a minus sign."""
        unique = tuple(dict.fromkeys(cells))
        negative = set(minus)
        return cls(unique, tuple(-1 if c in negative else 1 for c in unique) if negative else ())

    def coefficients(self) -> dict[Cell, int]:
        return dict(zip(self.cells, self.signs or (1,) * len(self.cells), strict=True))


def primary(counts: Mapping[Cell, float | None], threshold: int = DEFAULT_THRESHOLD) -> set[Cell]:
    """Cells holding a count from 1 up to threshold - 1 (zero discloses nobody)."""
    return {cell for cell, count in counts.items() if count is not None and 0 < count < threshold}


def protect(
    counts: Mapping[Cell, float | None],
    relations: Iterable[Relation],
    threshold: int = DEFAULT_THRESHOLD,
    already: Iterable[Cell] = (),
    zeros_published: bool = True,
) -> set[Cell]:
    """Primary plus secondary suppression: the set of cells to publish as [c].

    `counts` are the true figures of one table (None: no figure, published as [x]); `already`
    are cells hidden for another reason, protected like secondary cells. The result meets the
    protection rule of the module docstring, proved cell by cell.
    """
    hidden = primary(counts, threshold) | set(already)
    table = _Table(counts, relations, zeros_published)
    inside = {table.index[c] for c in hidden if c in table.index}
    primaries = {table.index[c] for c in primary(counts, threshold)}
    pending = set(inside)
    while pending:
        found = table.ranges(inside, sorted(pending))
        failing = [
            cell
            for cell in sorted(pending)
            if not table.meets(cell, found[cell].lo, found[cell].hi, cell in primaries, threshold)
        ]
        pending = set(failing)
        touched: set[int] = set()  # relations given a new hidden cell in this round
        for cell in failing:
            limits = found[cell]
            if cell in primaries and limits.hi < threshold - EPS:
                limiting = limits.limiting_hi
            else:
                limiting = limits.limiting_lo or limits.limiting_hi
            if touched & set(limiting or table.rows_of[cell]):
                continue  # a cell added this round may already cover it: look again first
            extra = table.complement(cell, inside, limiting)
            if extra is None and touched:
                continue  # the cells added this round may cover it: look again first
            if extra is None:  # the requirement's cap makes this unreachable
                log.warning("disclosure: nothing left to hide for %r", table.cells[cell])
                pending.discard(cell)
                continue
            inside.add(extra)
            pending.add(extra)
            touched |= set(table.rows_of[extra])
    return hidden | {table.cells[i] for i in inside}


def audit(
    counts: Mapping[Cell, float | None],
    hidden: Iterable[Cell],
    relations: Iterable[Relation],
    threshold: int = DEFAULT_THRESHOLD,
    zeros_published: bool = True,
) -> dict[Cell, tuple[float, float]]:
    """Hidden cells whose feasible interval breaks the protection rule, with that interval.

    The exact check: the LP bounds of every hidden cell (no shortcut), the reader knowing every
    relation's true total. Empty when the table is protected.
    """
    table = _Table(counts, relations, zeros_published, lp_only=True)
    inside = sorted({table.index[c] for c in hidden if c in table.index})
    primaries = {table.index[c] for c in primary(counts, threshold)}
    ranges = table.ranges(inside, inside)
    failing = {}
    for cell in inside:
        lo, hi = ranges[cell].lo, ranges[cell].hi
        if not table.meets(cell, lo, hi, cell in primaries, threshold):
            failing[table.cells[cell]] = (lo, hi)
    return failing


def feasible_ranges(
    shown: Mapping[Cell, float | None],
    relations: Sequence[Relation],
    totals: Sequence[float] | None = None,
    lower: float | Mapping[Cell, float] = 0.0,
    upper: Mapping[Cell, float] | None = None,
) -> dict[Cell, tuple[float, float]]:
    """What a reader can work out about each hidden cell (value None in `shown`): [lo, hi].

    `totals[k]` is the signed sum of relation k over the cells in `shown` (0 by default: a
    relation holding its own total with a minus sign). `lower` and `upper` are what the reader
    knows beforehand about hidden cells (at least 1 when zeros are published). Exact LP bounds;
    hi is infinite when nothing limits the cell from above.
    """
    cells = list(shown)
    index = {c: i for i, c in enumerate(cells)}
    rows, rhs = [], []
    for k, relation in enumerate(relations):
        row = {index[c]: s for c, s in relation.coefficients().items() if c in index}
        if row:
            rows.append(row)
            rhs.append(0.0 if totals is None else float(totals[k]))
    matrix = np.zeros((len(rows), len(cells)))
    for r, row in enumerate(rows):
        for i, sign in row.items():
            matrix[r, i] = sign
    values = np.array([math.nan if shown[c] is None else float(shown[c]) for c in cells])
    hidden = [i for i, c in enumerate(cells) if shown[c] is None]
    low = np.array(
        [lower.get(c, 0.0) if isinstance(lower, Mapping) else float(lower) for c in cells]
    )
    high = np.array([(upper or {}).get(c, math.inf) for c in cells])
    found = _bounds(matrix, np.array(rhs), values, hidden, low, high, hidden)
    return {cells[i]: (found[i].lo, found[i].hi) for i in hidden}


def recoverable(published: Mapping[Cell, float | None], relations: Iterable[Relation]) -> set[Cell]:
    """Suppressed cells (value None) a reader can work out by plain subtraction.

    Solves any relation with exactly one unknown, repeats until nothing changes. A quick, weaker
    check than `audit` (which also catches cells pinned down by bounds, like a total minus the
    published cells equal to the number of [c] cells, each then 1).
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


@dataclass(frozen=True)
class _Range:
    """A feasible interval, with the relations (rows) that set each end: the LP's binding
    relations (non-zero duals), or the relation whose propagation step tightened it last."""

    lo: float
    hi: float
    limiting_lo: tuple[int, ...] = ()
    limiting_hi: tuple[int, ...] = ()


class _Table:
    """One table's cells, relations and true counts, in a fixed order (input order is ignored).

    Relations implied by others (the wards' total, when every ward is in a locality) are dropped,
    except for the audit: they constrain nothing more. When the relations left that hold hidden
    cells form a tree (no cycle between hidden cells and relations), interval propagation gives
    the exact feasible ranges without an LP: on such a network, bounds consistency is global
    consistency.
    """

    def __init__(self, counts, relations, zeros_published: bool, lp_only: bool = False):
        self.lp_only = lp_only  # the audit: every range from the LP, no propagation
        self.cells = sorted((c for c, v in counts.items() if v is not None), key=str)
        self.index = {c: i for i, c in enumerate(self.cells)}
        self.x = np.array([float(counts[c]) for c in self.cells])
        rows = set()
        for relation in relations:
            row = tuple(
                sorted(
                    (self.index[c], s)
                    for c, s in relation.coefficients().items()
                    if c in self.index
                )
            )
            if row:
                rows.add(row)
        kept, vectors, basis = [], [], []  # basis: orthonormal, for the rank test
        for row in sorted(rows, key=lambda row: (len(row), row)):  # smallest relations first
            vector = np.zeros(len(self.cells))
            for i, sign in row:
                vector[i] = sign
            residual = vector - sum((q @ vector) * q for q in basis) if basis else vector
            norm = float(np.linalg.norm(residual))
            if lp_only or norm > 1e-9:
                kept.append(row)
                vectors.append(vector)
                if norm > 1e-9:
                    basis.append(residual / norm)
        self.rows = kept
        self.matrix = np.array(vectors).reshape(len(kept), len(self.cells))
        self.totals = self.matrix @ self.x
        self.members = [[(i, float(sign)) for i, sign in row] for row in self.rows]
        self.rows_of = [list(np.flatnonzero(self.matrix[:, i])) for i in range(len(self.cells))]
        floor = 1.0 if zeros_published else 0.0
        self.lower = np.where(self.x > 0, np.minimum(floor, self.x), np.minimum(0.0, self.x))
        self.upper = np.full(len(self.cells), math.inf)
        self._full: dict[int, _Range] = {}

    def ranges(self, hidden, targets) -> dict[int, _Range]:
        """Feasible ranges of the targets (hidden cells) given everything else published."""
        propagated = None if self.lp_only else self._propagate(set(hidden))
        if propagated is not None:
            return {t: propagated[t] for t in targets}
        values = np.where(np.isin(np.arange(len(self.cells)), list(hidden)), math.nan, self.x)
        return _bounds(
            self.matrix, self.totals, values, sorted(hidden), self.lower, self.upper, targets
        )

    def _propagate(self, hidden: set[int]) -> dict[int, _Range] | None:
        """Exact ranges by interval propagation when the hidden cells' relations form a tree."""
        active = [r for r in range(len(self.rows)) if any(i in hidden for i, _ in self.members[r])]
        parent = {}

        def root(node):
            while parent.get(node, node) != node:
                node = parent[node]
            return node

        for r in active:
            for i, _ in self.members[r]:
                if i in hidden:
                    a, b = root(("row", r)), root(("cell", i))
                    if a == b:
                        return None  # a cycle: the LP decides
                    parent[a] = b
        lo = {i: float(self.lower[i]) for i in hidden}
        hi = {i: float(self.upper[i]) for i in hidden}
        source_lo: dict[int, int] = {}
        source_hi: dict[int, int] = {}
        terms, rest = {}, {}
        for r in active:
            terms[r] = [(i, s) for i, s in self.members[r] if i in hidden]
            rest[r] = self.totals[r] - sum(
                s * self.x[i] for i, s in self.members[r] if i not in hidden
            )
        for _ in range(2 * len(active) + 2):
            changed = False
            for r in active:
                low = [s * lo[i] if s > 0 else s * hi[i] for i, s in terms[r]]
                high = [s * hi[i] if s > 0 else s * lo[i] for i, s in terms[r]]
                others_low, others_high = _sums_without(low), _sums_without(high)
                for k, (i, s) in enumerate(terms[r]):
                    one = (rest[r] - others_high[k]) / s
                    other = (rest[r] - others_low[k]) / s
                    new_lo, new_hi = (one, other) if one <= other else (other, one)
                    if new_lo > lo[i] + EPS:
                        lo[i], source_lo[i], changed = new_lo, r, True
                    if new_hi < hi[i] - EPS:
                        hi[i], source_hi[i], changed = new_hi, r, True
            if not changed:
                return {
                    i: _Range(
                        lo[i],
                        hi[i],
                        (source_lo[i],) if i in source_lo else (),
                        (source_hi[i],) if i in source_hi else (),
                    )
                    for i in hidden
                }
        return None  # not settled (it always settles on a tree): the LP decides

    def full(self, cell: int) -> _Range:
        """The cell's interval were every non-zero cell of the table hidden (zeros stay shown)."""
        if cell not in self._full:
            nonzero = {i for i in range(len(self.cells)) if self.x[i] != 0}
            everything = nonzero | {cell}
            propagated = None if self.lp_only else self._propagate(everything)
            if propagated is None:
                self._full[cell] = self.ranges(everything, [cell])[cell]
            elif everything == nonzero:  # the same for every non-zero cell: keep them all
                self._full |= {i: propagated[i] for i in nonzero if i not in self._full}
            else:
                self._full[cell] = propagated[cell]
        return self._full[cell]

    def meets(self, cell, lo, hi, is_primary, threshold) -> bool:
        floor = self.lower[cell]
        if _meets(lo, hi, floor, is_primary, threshold, None):
            return True
        return _meets(lo, hi, floor, is_primary, threshold, self.full(cell))

    def complement(self, cell, hidden, limiting) -> int | None:
        """The smallest non-zero published cell of a limiting relation (else of any relation).

        A cell the published totals give away on their own would cover nothing: skipped.
        """
        candidates = [i for i in range(len(self.cells)) if i not in hidden and self.x[i] > 0]
        for rows in (limiting, self.rows_of[cell], range(len(self.rows))):
            pool = [i for i in candidates if any(self.matrix[r, i] for r in rows)]
            for i in sorted(pool, key=lambda i: (self.x[i], i)):
                full = self.full(i)
                if full.hi - full.lo >= 1.0 - EPS:
                    return i
        return None


def _sums_without(terms: list[float]) -> list[float]:
    """For each term, the sum of the others. Infinite terms all have one sign: no inf - inf."""
    infinite = [k for k, term in enumerate(terms) if math.isinf(term)]
    finite = math.fsum(term for term in terms if not math.isinf(term))
    if not infinite:
        return [finite - term for term in terms]
    sign = terms[infinite[0]]
    if len(infinite) > 1:
        return [sign] * len(terms)
    return [finite if k == infinite[0] else sign for k in range(len(terms))]


def _meets(lo, hi, floor, is_primary, threshold, full: _Range | None) -> bool:
    if is_primary:
        need_lo, need_hi = floor, float(threshold)
        if full is not None:
            need_lo, need_hi = max(need_lo, full.lo), min(need_hi, full.hi)
        return lo <= need_lo + EPS and hi >= need_hi - EPS
    need_width = 1.0 if full is None else min(1.0, full.hi - full.lo)
    return hi - lo >= need_width - EPS


def _bounds(matrix, totals, values, hidden, lower, upper, targets) -> dict[int, _Range]:
    """LP bounds of each target (a hidden cell): min and max subject to every relation.

    All the minimisations and maximisations go to the solver as one LP of independent blocks
    (one call instead of two per cell). Each variable is capped at a bound far above any total,
    so a block is never unbounded; a maximum at the cap is infinite.
    """
    hidden = list(hidden)
    if not hidden:
        return {}
    position = {i: k for k, i in enumerate(hidden)}
    shown = [i for i in range(matrix.shape[1]) if i not in position]
    part = matrix[:, hidden]
    rows = np.flatnonzero(np.any(part != 0, axis=1))
    if not len(rows):
        return {t: _Range(float(lower[t]), float(upper[t])) for t in targets}
    a_eq = part[rows]
    b_eq = totals[rows] - matrix[np.ix_(rows, shown)] @ values[shown]
    finite = [abs(upper[i]) for i in hidden if not math.isinf(upper[i])]
    cap = 10.0 * (np.abs(b_eq).sum() + np.abs(lower[hidden]).sum() + sum(finite) + 1.0)
    box = [(lower[i], min(upper[i], cap)) for i in hidden]
    blocks = 2 * len(targets)  # for each target: its minimum, then its maximum
    objective = np.zeros((blocks, len(hidden)))
    for k, target in enumerate(targets):
        objective[2 * k, position[target]] = 1.0
        objective[2 * k + 1, position[target]] = -1.0
    result = linprog(
        objective.ravel(),
        A_eq=sparse.block_diag([sparse.csr_matrix(a_eq)] * blocks, format="csr"),
        b_eq=np.tile(b_eq, blocks),
        bounds=box * blocks,
        method="highs",
    )
    if result.status != 0:
        raise RuntimeError(
            f"disclosure: the feasible range could not be computed: {result.message}"
        )
    solution = result.x.reshape(blocks, len(hidden))
    duals = np.abs(result.eqlin.marginals.reshape(blocks, len(rows))) > EPS
    out = {}
    for k, target in enumerate(targets):
        lo = float(solution[2 * k, position[target]])
        hi = float(solution[2 * k + 1, position[target]])
        out[target] = _Range(
            lo,
            math.inf if hi >= cap / 2 else hi,
            tuple(int(r) for r in rows[duals[2 * k]]),
            tuple(int(r) for r in rows[duals[2 * k + 1]]),
        )
    return out


def rate_hidden(numerator_hidden: bool, denominator_hidden: bool) -> bool:
    """A rate built on a suppressed count is suppressed too."""
    return numerator_hidden or denominator_hidden


def status_marker(status: str | None) -> str | None:
    return {"provisional": PROVISIONAL, "revised": REVISED}.get(status or "")


def personal_columns(columns: Iterable[str]) -> list[str]:
    """Columns whose names mark personal data (case-insensitive)."""
    return [c for c in columns if c.lower() in PERSONAL_FIELDS]
