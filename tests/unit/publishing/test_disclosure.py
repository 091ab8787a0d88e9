"""Disclosure control: primary and secondary suppression, the exact (LP) audit of what a reader
can work out, and the older subtraction check."""

import itertools
import random

import pytest

from orchestration.lib.publishing import disclosure
from orchestration.lib.publishing.disclosure import Relation

pytestmark = pytest.mark.unit


def grid(rows: list[list[int]]):
    """Cells (r, c) of a table whose column totals are published (wards x periods)."""
    counts = {(r, c): v for r, row in enumerate(rows) for c, v in enumerate(row)}
    columns = [Relation.of((r, c) for r in range(len(rows))) for c in range(len(rows[0]))]
    return counts, columns


def published(counts, hidden):
    return {cell: (None if cell in hidden else value) for cell, value in counts.items()}


COUNCIL = ("council", "C")


def hierarchy(rng: random.Random, localities: int, most_wards: int, unassigned: bool):
    """A council's wards (one maybe in no locality) and localities, additive.

    Returns the true counts of the small areas, the relations protection works with (the
    council figure outside the table, as on the site) and the relations a reader writes down
    from the published page, holding the council figure as a cell with a minus sign.
    """
    counts, members = {}, {}
    for loc in range(localities):
        members[loc] = [("ward", f"{loc}.{w}") for w in range(rng.randint(1, most_wards))]
    if unassigned:
        members[None] = [("ward", "no-locality")]
    for wards in members.values():
        for ward in wards:
            counts[ward] = rng.choice([0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 9, 14, 30])
    for loc in range(localities):
        counts[("locality", loc)] = sum(counts[w] for w in members[loc])
    counts[COUNCIL] = sum(v for c, v in counts.items() if c[0] == "ward")
    wards = [c for c in counts if c[0] == "ward"]
    areas = [c for c in counts if c[0] == "locality"]
    relations = [Relation.of(wards), Relation.of([*areas, *members.get(None, [])])]
    seen = [
        Relation.of([*wards, COUNCIL], minus=[COUNCIL]),
        Relation.of([*areas, *members.get(None, []), COUNCIL], minus=[COUNCIL]),
    ]
    for loc in range(localities):
        cell = ("locality", loc)
        relations.append(Relation.of([*members[loc], cell], minus=[cell]))
        seen.append(relations[-1])
    council = counts.pop(COUNCIL)
    return counts, council, relations, seen


def reader_view(counts, council, seen, hidden):
    """What the reader works out from the published page alone: the published cells and the
    council figure, the relations between them, every [c] at least 1 (zeros are shown)."""
    shown = published(counts, hidden) | {COUNCIL: council}
    return disclosure.feasible_ranges(shown, seen, lower=1)


def test_primary_suppresses_small_positive_counts_only():
    counts = {"a": 0, "b": 1, "c": 4, "d": 5, "e": None}
    assert disclosure.primary(counts, threshold=5) == {"b", "c"}
    assert disclosure.primary(counts, threshold=2) == {"b"}


def test_single_small_cell_gets_a_complement_in_its_column():
    counts, relations = grid([[3], [40], [12], [0]])
    hidden = disclosure.protect(counts, relations)
    assert (0, 0) in hidden
    assert len(hidden) == 2
    # the complement is the smallest positive published cell, not the zero
    assert (2, 0) in hidden
    assert disclosure.recoverable(published(counts, hidden), relations) == set()
    assert disclosure.audit(counts, hidden, relations) == {}


def test_without_secondary_suppression_the_audit_finds_the_cell():
    counts, relations = grid([[3], [40], [12]])
    only_primary = disclosure.primary(counts)
    assert disclosure.recoverable(published(counts, only_primary), relations) == {(0, 0)}
    assert disclosure.audit(counts, only_primary, relations) == {(0, 0): (3.0, 3.0)}


def test_the_attackers_case_total_minus_published_equals_the_number_of_hidden_cells():
    """Council figure 53, published wards 20, 30 and 0: 53 - 50 = 3, as many as the [c] cells,
    each at least 1 since zeros are shown, so each is 1."""
    counts = {"w1": 1, "w2": 1, "w3": 1, "w4": 20, "w5": 30, "w6": 0}
    relations = [Relation.of(counts)]
    old_rule = disclosure.primary(counts)  # three hidden cells: "never exactly one" holds
    assert all(len(set(r.cells) & old_rule) != 1 for r in relations)
    assert disclosure.recoverable(published(counts, old_rule), relations) == set()
    # ... yet each is recoverable: the total less the published wards is 3, one per [c].
    exposed = disclosure.audit(counts, old_rule, relations)
    assert exposed == {"w1": (1.0, 1.0), "w2": (1.0, 1.0), "w3": (1.0, 1.0)}

    hidden = disclosure.protect(counts, relations)
    assert disclosure.audit(counts, hidden, relations) == {}
    assert "w6" not in hidden  # a zero is never hidden: the reader's "at least 1" stays true
    seen = [Relation.of([*counts, "council"], minus=["council"])]
    ranges = disclosure.feasible_ranges(published(counts, hidden) | {"council": 53}, seen, lower=1)
    for cell in old_rule:
        lo, hi = ranges[cell]
        assert lo <= 1 and hi >= disclosure.DEFAULT_THRESHOLD, (cell, lo, hi)


def test_the_attackers_case_across_localities():
    """Wards of 1 in two localities; the old rule (two [c] per relation) hid exactly them."""
    counts = {
        ("ward", "a1"): 1,
        ("ward", "a2"): 1,
        ("ward", "a3"): 25,
        ("ward", "b1"): 1,
        ("ward", "b2"): 1,
        ("ward", "b3"): 40,
    }
    counts[("locality", "A")] = 27
    counts[("locality", "B")] = 42
    relations = [
        Relation.of(c for c in counts if c[0] == "ward"),
        Relation.of(c for c in counts if c[0] == "locality"),
        Relation.of(
            [("ward", "a1"), ("ward", "a2"), ("ward", "a3"), ("locality", "A")],
            minus=[("locality", "A")],
        ),
        Relation.of(
            [("ward", "b1"), ("ward", "b2"), ("ward", "b3"), ("locality", "B")],
            minus=[("locality", "B")],
        ),
    ]
    old_rule = disclosure.primary(counts)
    assert all(len(set(r.cells) & old_rule) != 1 for r in relations)
    assert set(disclosure.audit(counts, old_rule, relations)) == old_rule
    hidden = disclosure.protect(counts, relations)
    assert disclosure.audit(counts, hidden, relations) == {}
    seen = [
        Relation.of([*(c for c in counts if c[0] == kind), COUNCIL], minus=[COUNCIL])
        for kind in ("ward", "locality")
    ] + relations[2:]
    view = reader_view(counts, 69, seen, hidden)
    for cell in old_rule:
        assert view[cell][0] <= 1 and view[cell][1] >= disclosure.DEFAULT_THRESHOLD


def test_nested_wards_and_localities_cannot_be_unpicked():
    # two localities of two wards each; council total published; locality cells published
    counts = {"w1": 2, "w2": 30, "w3": 25, "w4": 40, "L1": 32, "L2": 65}
    relations = [
        Relation.of(["w1", "w2", "w3", "w4"]),  # wards sum to the council figure
        Relation.of(["L1", "L2"]),  # localities sum to the council figure
        Relation.of(["w1", "w2", "L1"], minus=["L1"]),  # wards of L1 minus L1 is zero
        Relation.of(["w3", "w4", "L2"], minus=["L2"]),
    ]
    hidden = disclosure.protect(counts, relations)
    assert "w1" in hidden
    assert disclosure.recoverable(published(counts, hidden), relations) == set()
    assert disclosure.audit(counts, hidden, relations) == {}
    for relation in relations:
        assert len([c for c in relation.cells if c in hidden]) != 1


def test_cells_with_no_figure_give_no_cover():
    """[x] cells are not counted on: the reader may know they hold nothing."""
    counts, relations = grid([[3], [None], [50]])
    hidden = disclosure.protect(counts, relations)
    assert hidden == {(0, 0), (2, 0)}
    assert disclosure.audit(counts, hidden, relations) == {}
    assert disclosure.audit(counts, {(0, 0)}, relations) == {(0, 0): (3.0, 3.0)}


def test_a_council_total_below_the_threshold_is_protected_as_far_as_it_can_be():
    """Wards 1 and 1 of a council of 2: the council figure says each is 1, whatever is hidden.
    Nothing more is hidden (no zero), and the audit holds the rule to what is possible."""
    counts = {"w1": 1, "w2": 1, "w3": 0, "w4": 0}
    relations = [Relation.of(counts)]
    hidden = disclosure.protect(counts, relations)
    assert hidden == {"w1", "w2"}
    assert disclosure.audit(counts, hidden, relations) == {}


def test_feasible_ranges_are_what_the_reader_can_work_out():
    shown = {"a": None, "b": None, "c": 10, "total": 15}
    relation = Relation.of(["a", "b", "c", "total"], minus=["total"])
    assert disclosure.feasible_ranges(shown, [relation], lower=1) == {
        "a": (1.0, 4.0),
        "b": (1.0, 4.0),
    }
    assert disclosure.feasible_ranges(shown, [relation], lower=0)["a"] == (0.0, 5.0)
    assert disclosure.feasible_ranges(shown, [relation], lower=1, upper={"b": 2})["a"] == (
        3.0,
        4.0,
    )
    alone = disclosure.feasible_ranges({"a": None, "b": 3}, [Relation.of(["b"])], lower=1)
    assert alone == {"a": (1.0, float("inf"))}


def test_zeros_not_published_lower_the_floor_to_zero():
    counts = {"w1": 2, "w2": 0, "w3": 7, "w4": 30}
    relations = [Relation.of(counts)]
    hidden = disclosure.protect(counts, relations, zeros_published=False)
    assert disclosure.audit(counts, hidden, relations, zeros_published=False) == {}
    # with zeros unpublished, a pair summing to 9 is fine (0 to 9); published, the same pair is
    # fine too (1 to 8); but a pair summing to 4 is not, either way
    assert disclosure.audit(counts, {"w1", "w3"}, relations, zeros_published=False) == {}
    small = {"w1": 2, "w2": 2, "w3": 30}
    assert "w1" in disclosure.audit(small, {"w1", "w2"}, [Relation.of(small)])


def test_protect_is_deterministic_whatever_the_input_order():
    rng = random.Random(3)
    for _ in range(20):
        counts, _, relations, _ = hierarchy(rng, 3, 5, rng.random() < 0.3)
        first = disclosure.protect(counts, relations)
        items = list(counts.items())
        rng.shuffle(items)
        shuffled_relations = list(relations)
        rng.shuffle(shuffled_relations)
        assert disclosure.protect(dict(items), shuffled_relations) == first


@pytest.mark.parametrize("seed", range(30))
def test_random_hierarchies_meet_the_rule(seed):
    """Ten random councils per seed (300 in all): wards in localities (some in none), small
    counts and zeros, thresholds 3, 5 and 10. The exact audit finds no cell narrower than the
    rule allows, and the reader's own view from the published figures agrees."""
    rng = random.Random(seed)
    for _ in range(10):
        counts, council, relations, seen = hierarchy(
            rng, rng.randint(1, 4), rng.randint(1, 6), rng.random() < 0.2
        )
        threshold = rng.choice([3, 5, 10])
        hidden = disclosure.protect(counts, relations, threshold=threshold)
        assert disclosure.primary(counts, threshold) <= hidden
        assert all(counts[c] > 0 for c in hidden), "a zero was hidden"
        assert disclosure.audit(counts, hidden, relations, threshold) == {}
        view = reader_view(counts, council, seen, hidden)
        possible = None  # the reader's view were every non-zero cell hidden, when needed
        for cell in hidden:
            lo, hi = view[cell]
            small = cell in disclosure.primary(counts, threshold)
            if (lo <= 1 and hi >= threshold) if small else hi - lo >= 1:
                continue
            if possible is None:
                everything = {c for c, v in counts.items() if v > 0}
                possible = reader_view(counts, council, seen, everything)
            best_lo, best_hi = possible[cell]
            if small:
                assert lo <= max(1, best_lo) + 1e-6, (cell, view[cell], counts)
                assert hi >= min(threshold, best_hi) - 1e-6, (cell, view[cell], counts)
            else:
                assert hi - lo >= min(1, best_hi - best_lo) - 1e-6, (cell, view[cell], counts)


@pytest.mark.parametrize("seed", range(25))
def test_random_tables_meet_the_rule(seed):
    """Rows and columns both totalled (a cyclic system: the LP decides, not propagation)."""
    rng = random.Random(seed)
    n_rows, n_cols = rng.randint(2, 9), rng.randint(1, 6)
    rows = [
        [rng.choice([0, 1, 2, 3, 4, 6, 9, 15, 40]) for _ in range(n_cols)] for _ in range(n_rows)
    ]
    counts, columns = grid(rows)
    row_relations = [Relation.of((r, c) for c in range(n_cols)) for r in range(n_rows)]
    relations = columns + row_relations
    threshold = rng.choice([3, 5, 10])
    hidden = disclosure.protect(counts, relations, threshold=threshold)
    assert disclosure.primary(counts, threshold) <= hidden
    assert disclosure.audit(counts, hidden, relations, threshold) == {}
    # Plain subtraction finds only cells the published totals give away on their own (a row
    # or column whose other cells are all zero): no suppression can protect those.
    shown = published(counts, hidden)
    for cell in disclosure.recoverable(shown, relations):
        alone = published(counts, {c for c, v in counts.items() if v > 0})
        totals = [sum(counts[c] for c in r.cells) for r in relations]
        lo, hi = disclosure.feasible_ranges(alone, relations, totals, lower=1)[cell]
        assert lo == hi == counts[cell]


def test_rates_follow_their_counts():
    for numerator, denominator in itertools.product([True, False], repeat=2):
        assert disclosure.rate_hidden(numerator, denominator) == (numerator or denominator)


def test_markers_and_personal_columns():
    assert disclosure.status_marker("provisional") == "[p]"
    assert disclosure.status_marker("revised") == "[r]"
    assert disclosure.status_marker("final") is None
    assert set(disclosure.MARKERS) == {"[c]", "[x]", "[z]", "[p]", "[r]"}
    assert disclosure.personal_columns(["value", "UPRN", "author", "ward_code"]) == [
        "UPRN",
        "author",
    ]


@pytest.mark.parametrize("seed", range(5))
def test_the_fast_bounds_on_hierarchies_are_the_lp_bounds(seed):
    """protect bounds cells by propagation where the relations form a tree: exactly the LP's
    bounds (wider would under-protect, narrower would hide more than needed)."""
    rng = random.Random(100 + seed)
    compared = 0
    for _ in range(40):
        counts, _, relations, _ = hierarchy(
            rng, rng.randint(1, 4), rng.randint(1, 5), rng.random() < 0.2
        )
        hidden = {c for c in counts if rng.random() < 0.5}
        fast = disclosure._Table(counts, relations, True)
        exact = disclosure._Table(counts, relations, True, lp_only=True)
        found = fast._propagate({fast.index[c] for c in hidden})
        if found is None:
            continue  # a cycle (a ward in no locality): protect uses the LP too
        lp = exact.ranges({exact.index[c] for c in hidden}, [exact.index[c] for c in hidden])
        for cell in hidden:
            mine, theirs = found[fast.index[cell]], lp[exact.index[cell]]
            assert mine.lo == pytest.approx(theirs.lo) and mine.hi == pytest.approx(theirs.hi)
            compared += 1
    assert compared > 100
