"""Disclosure control: primary and secondary suppression, and the subtraction audit."""

import itertools
import random

import pytest

from orchestration.lib import disclosure
from orchestration.lib.disclosure import Relation

pytestmark = pytest.mark.unit


def grid(rows: list[list[int]]):
    """Cells (r, c) of a table whose column totals are published (wards x periods)."""
    counts = {(r, c): v for r, row in enumerate(rows) for c, v in enumerate(row)}
    columns = [Relation.of((r, c) for r in range(len(rows))) for c in range(len(rows[0]))]
    return counts, columns


def published(counts, hidden):
    return {cell: (None if cell in hidden else value) for cell, value in counts.items()}


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


def test_without_secondary_suppression_the_audit_finds_the_cell():
    counts, relations = grid([[3], [40], [12]])
    only_primary = disclosure.primary(counts)
    assert disclosure.recoverable(published(counts, only_primary), relations) == {(0, 0)}


def test_nested_wards_and_localities_cannot_be_unpicked():
    # two localities of two wards each; council total published; locality cells published
    counts = {"w1": 2, "w2": 30, "w3": 25, "w4": 40, "L1": 32, "L2": 65}
    relations = [
        Relation.of(["w1", "w2", "w3", "w4"]),  # wards sum to the council figure
        Relation.of(["L1", "L2"]),  # localities sum to the council figure
        Relation.of(["w1", "w2", "L1"]),  # wards of L1 minus L1 is zero
        Relation.of(["w3", "w4", "L2"]),
    ]
    hidden = disclosure.protect(counts, relations)
    assert "w1" in hidden
    assert disclosure.recoverable(published(counts, hidden), relations) == set()
    for relation in relations:
        assert len([c for c in relation.cells if c in hidden]) != 1


def test_unknown_cells_already_protect_a_relation():
    counts, relations = grid([[3], [None], [50]])
    hidden = disclosure.protect(counts, relations)
    assert hidden == {(0, 0)}
    assert disclosure.recoverable(published(counts, hidden), relations) == set()


@pytest.mark.parametrize("seed", range(25))
def test_random_tables_never_leak_by_subtraction(seed):
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
    assert disclosure.recoverable(published(counts, hidden), relations) == set()


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
