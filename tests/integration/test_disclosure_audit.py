"""The exact audit of everything published: the public site's publish.* tables and the partner
extracts, read back as a reader sees them, relations rebuilt from the published figures (the
wards of a council and period against the council figure, the localities, the wards of each
locality against the locality), every [c] bounded by linear programming. No [c] may be pinned
down more narrowly than docs/site.md ("Disclosure control") allows."""

import csv
import datetime as dt
import random
from collections import defaultdict

import psycopg
import pytest

from orchestration.lib.publishing import disclosure, publish
from orchestration.lib.publishing.disclosure import Relation
from orchestration.lib.quality.gate import GateDecision
from orchestration.lib.sharing import extract
from orchestration.lib.sharing.agreements import load_register
from orchestration.lib.sharing.extract import build_share
from tests.support import site_sample as sample

pytestmark = pytest.mark.integration

TODAY = dt.date(2025, 10, 10)
THRESHOLD = disclosure.DEFAULT_THRESHOLD
SHARES = ("west_mercia_police_asb", "sunrise")  # the agreements with small counts suppressed
# Measures the agreements name, added to the sample warehouse: unit, public on the site too.
EXTRA = {
    "saf_asb_incidents": ("count", True),
    "hou_applications_received": ("count", True),
    "ena_contacts_total": ("count", False),
    "ena_failure_demand_share": ("percent", True),
}
COUNCIL = ("council", "")


def rows(url, query, params=()):
    with psycopg.connect(url) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        return cur.execute(query, params).fetchall()


def add_measures(url: str) -> None:
    """Ward, locality and council rows (additive) for the agreements' measures: many small
    counts and zeros, as the real ward data has."""
    rng = random.Random(11)
    with psycopg.connect(url) as conn:
        for measure, (unit, public) in EXTRA.items():
            template = "env_flytip_reports" if unit == "count" else "hou_prevention_rate"
            conn.execute(
                "create temp table copied as select * from marts.dim_measures "
                "where measure_id = %s",
                (template,),
            )
            conn.execute("update copied set measure_id = %s, is_public = %s", (measure, public))
            conn.execute("insert into marts.dim_measures select * from copied")
            conn.execute("drop table copied")
            for council in sample.COUNCILS:
                for start, end in sample.months():
                    areas = []
                    for code, _name, locality in sample.wards(council):
                        if unit == "count":
                            n, d = rng.choice([0, 0, 1, 1, 2, 3, 4, 6, 9, 15, 30]), None
                        else:
                            d = rng.choice([1, 2, 3, 5, 8, 15, 30])
                            n = rng.randint(0, d)
                        areas.append(("ward", code, n, d, locality))
                    totals = [
                        ("locality", loc, [a for a in areas if a[4] == loc])
                        for loc in sorted({a[4] for a in areas})
                    ] + [("council", council, list(areas))]
                    for kind, code, members in totals:
                        n = sum(a[2] for a in members)
                        d = None if unit == "count" else sum(a[3] for a in members)
                        areas.append((kind, code, n, d, None))
                    for kind, code, n, d, _ in areas:
                        value = n if unit == "count" else 100 * n / d
                        conn.execute(
                            "insert into marts.fct_measure_values values "
                            "(%s,%s,%s,%s,%s,%s,%s,%s,%s,'final',now())",
                            (measure, council, start, end, kind, code, n, d, value),
                        )


@pytest.fixture
def outputs(activated, workspace, monkeypatch):
    """The sample warehouse with the agreements' measures; publish.* built; both suppressing
    agreements' extracts written."""
    sample.seed(activated)
    add_measures(activated)
    publish.build_publish(activated)
    monkeypatch.setattr(
        "orchestration.lib.quality.gate.check_gate", lambda *args, **kwargs: GateDecision(True)
    )
    register = load_register()
    shares = {a: build_share(activated, a, today=TODAY, register=register) for a in SHARES}
    return activated, register, shares


def truth(url):
    """The true figures (marts), keyed as the site keys cells: locality codes as slugs."""
    found = {}
    for r in rows(
        url,
        "select measure_id, council_code, period_start, geography_type,"
        " case when geography_type = 'locality' then"
        f" {publish.LOCALITY_CODE.replace('locality,', 'geography_code,')}"
        " else geography_code end as code, numerator, denominator, value"
        " from marts.fct_measure_values",
    ):
        cell = COUNCIL if r["geography_type"] == "council" else (r["geography_type"], r["code"])
        found[(r["measure_id"], r["council_code"], r["period_start"], cell)] = r
    return found


def geography(url):
    """Each council's wards, localities and ward -> locality, from the published profiles."""
    wards, localities, member = defaultdict(list), defaultdict(list), {}
    for w in rows(url, "select council_code, ward_code, locality_code from publish.ward_profiles"):
        wards[w["council_code"]].append(("ward", w["ward_code"]))
        member[("ward", w["ward_code"])] = ("locality", w["locality_code"])
    for loc in rows(url, "select council_code, locality_code from publish.locality_profiles"):
        localities[loc["council_code"]].append(("locality", loc["locality_code"]))
    return wards, localities, member


def relations_of(wards, localities, member):
    """What the reader writes down: sums equal to the council figure, locality = its wards."""
    loose = [w for w in wards if w not in member]
    out = [
        Relation.of([*wards, COUNCIL], minus=[COUNCIL]),
        Relation.of([*localities, *loose, COUNCIL], minus=[COUNCIL]),
    ]
    for loc in localities:
        out.append(Relation.of([*(w for w in wards if member.get(w) == loc), loc], minus=[loc]))
    return out


def narrower_than_allowed(known, marked, cells, relations, true):
    """[c] cells the reader pins down more narrowly than the rule allows (empty: protected).

    `known`: every figure the reader has (published anywhere, the council figure too);
    `marked`: cells shown as [c]; `cells`: every small area; `true`: the true counts.
    """
    shown = {c: known.get(c) for c in [*cells, COUNCIL]}
    lower = {c: 1 if c in marked else 0 for c in cells}  # zeros are shown: a [c] is >= 1
    view = disclosure.feasible_ranges(shown, relations, lower=lower)
    everything = {c for c in cells if true[c] > 0}  # the best hiding every non-zero cell can do
    best = disclosure.feasible_ranges(
        {c: (None if c in everything else true[c]) for c in cells} | {COUNCIL: known[COUNCIL]},
        relations,
        lower={c: 1 for c in cells},
    )
    failing = {}
    for cell in marked:
        if cell in known:
            continue  # shown elsewhere: checked where it is shown
        lo, hi = view[cell]
        if true[cell] < THRESHOLD:
            ok = lo <= max(1, best[cell][0]) + 1e-6 and hi >= min(THRESHOLD, best[cell][1]) - 1e-6
        else:
            ok = hi - lo >= min(1, best[cell][1] - best[cell][0]) - 1e-6
        if not ok:
            failing[cell] = (true[cell], lo, hi)
    return failing


def count_columns(unit):
    return (
        ("numerator", "denominator", "value") if unit == "count" else ("numerator", "denominator")
    )


def site_tables(url):
    """(key, column) -> {cell: published row} of every small-area count the site publishes."""
    units = {
        (m["measure_id"], m["council_code"]): m["unit"]
        for m in rows(url, "select * from publish.measures")
    }
    tables = defaultdict(dict)
    for v in rows(url, "select * from publish.measure_values"):
        key = (v["measure_id"], v["council_code"], v["period_start"])
        cell = (
            COUNCIL
            if v["geography_type"] == "council"
            else (v["geography_type"], v["geography_code"])
        )
        for column in count_columns(units[key[:2]]):
            tables[(key, column)][cell] = (v[column], v[f"{column}_marker"])
    return tables


def audit_site(url, tables):
    wards, localities, member = geography(url)
    true_rows = truth(url)
    checked = hidden = 0
    failures = {}
    for (key, column), cells in tables.items():
        small = [*wards[key[1]], *localities[key[1]]]
        true = {c: true_rows[(*key, c)][column] for c in small}
        if all(t is None for t in true.values()):
            continue  # a count measure's denominator: nothing to protect
        known = {c: float(v) for c, (v, _) in cells.items() if v is not None}
        marked = {c for c, (_, m) in cells.items() if m == disclosure.SUPPRESSED}
        assert all(true[c] > 0 for c in marked), "a zero was suppressed"
        relations = relations_of(wards[key[1]], localities[key[1]], member)
        failing = narrower_than_allowed(known, marked, small, relations, true)
        if failing:
            failures[(key, column)] = failing
        checked += 1
        hidden += len(marked)
    return checked, hidden, failures


def test_no_cell_of_the_public_site_is_narrower_than_the_rule_allows(outputs):
    url, _, _ = outputs
    tables = site_tables(url)
    checked, hidden, failures = audit_site(url, tables)
    assert failures == {}
    assert checked > 300 and hidden > 500


def test_the_audit_catches_the_leak_when_only_small_counts_are_hidden(outputs):
    """The same audit, on the same tables with primary suppression only, finds cells: it is
    not an audit that cannot fail."""
    url, _, _ = outputs
    tables = site_tables(url)
    wards, localities, _ = geography(url)
    true_rows = truth(url)
    for (key, column), cells in tables.items():
        for cell in [*wards[key[1]], *localities[key[1]]]:
            value = true_rows[(*key, cell)][column]
            small = value is not None and 0 < value < THRESHOLD
            cells[cell] = (None if small else value, disclosure.SUPPRESSED if small else None)
    _, hidden, failures = audit_site(url, tables)
    exact = [c for f in failures.values() for c, (_, lo, hi) in f.items() if hi - lo < 1]
    assert hidden > 0 and len(failures) > 20 and exact


def extract_tables(folder, dataset, units):
    """(key, column) -> {cell: (value, marker)} from one extract file, cells keyed as the site
    keys them (locality codes as slugs)."""
    tables = defaultdict(dict)
    with (folder / f"{dataset.name}.csv").open(newline="", encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            key = (r["measure_id"], r["council_code"], dt.date.fromisoformat(r["period_start"]))
            code = r["geography_code"]
            if r["geography_type"] == "locality":
                code = extract._locality_code(code)
            cell = (r["geography_type"], code)
            for column in count_columns(units[r["measure_id"]]):
                if column in r:
                    value = r[column]
                    tables[(key, column)][cell] = (
                        float(value) if value else None,
                        r[f"{column}_marker"] or None,
                    )
    return tables


def test_partner_extracts_with_the_public_site_give_nothing_away(outputs):
    """A partner holds its extract and the public site: together, no [c] of the extract is
    narrower than the rule allows, and the extract hides exactly the site's cells."""
    url, register, shares = outputs
    units = extract._units()
    site = site_tables(url)
    wards, localities, member = geography(url)
    true_rows = truth(url)
    checked = hidden = same = 0
    for agreement_id, result in shares.items():
        agreement = register.get(agreement_id)
        assert agreement.suppress_small_counts and agreement.threshold == THRESHOLD
        for dataset in agreement.datasets:
            for (key, column), cells in extract_tables(result.folder, dataset, units).items():
                council = key[1]
                small = [*wards[council], *localities[council]]
                true = {c: true_rows[(*key, c)][column] for c in small}
                if all(t is None for t in true.values()):
                    continue  # a count measure's denominator: nothing to protect
                on_site = site.get((key, column), {})
                assert {c[0] for c in cells} == {agreement.geography}
                # The council figure: on the site, else assumed known all the same.
                known = {COUNCIL: float(true_rows[(*key, COUNCIL)][column])}
                marked = set()
                for source in (on_site, cells):
                    for cell, (value, marker) in source.items():
                        if cell == COUNCIL:
                            continue
                        if value is not None:
                            known[cell] = float(value)
                        elif marker == disclosure.SUPPRESSED:
                            marked.add(cell)
                for cell, (_, marker) in cells.items():
                    if on_site.get(cell):
                        assert marker == on_site[cell][1], (key, column, cell)
                        same += 1
                if not any(m == disclosure.SUPPRESSED for _, m in cells.values()):
                    continue
                assert all(true[c] > 0 for c in marked), "a zero was suppressed"
                relations = relations_of(wards[council], localities[council], member)
                failing = narrower_than_allowed(known, marked, small, relations, true)
                assert failing == {}, (agreement_id, key, column, failing)
                checked += 1
                hidden += sum(m == disclosure.SUPPRESSED for _, m in cells.values())
    assert checked > 20 and hidden > 50 and same > 100
