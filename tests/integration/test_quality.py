"""Quality against a real database: seeded defects per criterion, gating, waivers, freshness."""

import dataclasses
import datetime as dt
import uuid
from pathlib import Path
from urllib.parse import unquote, urlsplit

import dagster as dg
import psycopg
import pytest

from orchestration.defs.quality import checks
from orchestration.lib import contracts
from orchestration.lib.dagster.resources import WarehouseResource
from orchestration.lib.ingest import loaders, raw_tables
from orchestration.lib.quality import freshness, gate, marks, scope, suite_files, validation
from orchestration.lib.quality.expectations import Expectation

pytestmark = pytest.mark.integration

TODAY = dt.date(2025, 4, 20)
LATER = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
BROMSGROVE = "E07000234"

MARTS_SQL = """
create table marts.dim_purposes (purpose_code text, purpose_name text, director text,
    description text, sort_order int);
insert into marts.dim_purposes values ('home', 'Help me to find somewhere to live', 'D', 'x', 1);
create table marts.dim_measures (measure_id text, council_code text, name text, kind text,
    purpose_code text, team text, owner text, definition text, numerator_definition text,
    denominator_definition text, unit text, polarity text, frequency text, source text,
    calculation_family text);
create table marts.fct_measure_values (measure_id text, council_code text, period_start date,
    period_end date, geography_type text, geography_code text, numerator numeric,
    denominator numeric, value numeric, status text, loaded_at timestamptz default now());
"""

MEASURE = (
    "insert into marts.dim_measures values "
    "(%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
FIGURE = """insert into marts.fct_measure_values (measure_id, council_code, period_start,
    period_end, geography_type, geography_code, numerator, denominator, value, status)
    values (%s, %s, %s, %s, 'council', %s, %s, %s, %s, 'final')"""


def _measure(
    measure_id,
    purpose="home",
    definition="Share resolved first time.",
    kind="strategic",
    family="contact_share",
):
    return (
        measure_id,
        BROMSGROVE,
        measure_id.title(),
        kind,
        purpose,
        "customer_services",
        "A Officer",
        definition,
        "resolved",
        "all contacts",
        "percent",
        "higher",
        "monthly",
        "crm_contacts",
        family,
    )


def _figure(measure_id, month: dt.date, numerator=30, denominator=40):
    end = freshness.period_containing("monthly", month).end
    value = round(100.0 * numerator / denominator, 4)
    return (measure_id, BROMSGROVE, month, end, BROMSGROVE, numerator, denominator, value)


def _marts(url, measures, figures):
    with psycopg.connect(url) as conn:
        conn.execute(MARTS_SQL)
        conn.cursor().executemany(MEASURE, measures)
        conn.cursor().executemany(FIGURE, figures)


def _crm_file(folder, month: dt.date, rows: int):
    header = (
        "contact_id,council_code,received_at,channel,service,demand_type,failure_type,"
        "uprn,resolved_at_first_point,team"
    )
    lines = [header]
    for index in range(rows):
        failure = index % 3 == 0
        lines.append(
            f"C{month:%Y%m}-{index:04d},{BROMSGROVE},{month:%Y-%m}-{index % 27 + 1:02d} 10:00:00,"
            f"phone,council_tax,{'failure' if failure else 'value'},"
            f"{'chasing_progress' if failure else ''},,true,customer_services"
        )
    path = folder / f"crm_contacts_{month:%Y-%m}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def _load_crm(url, folder, months: dict[dt.date, int]):
    folder.mkdir(parents=True, exist_ok=True)
    for month, rows in months.items():
        result = loaders.ingest_file(url, _crm_file(folder, month, rows), "crm_contacts")
        assert result.outcome == "loaded", result.summary()


def _suite(name):
    return next(suite for suite in suite_files.all_suites() if suite.name == name)


def _status(url, measure_id, period, criterion):
    with psycopg.connect(url) as conn:
        row = conn.execute(
            """select status, evidence from marts.measure_quality where measure_id = %s
               and period_start = %s and criterion = %s""",
            (measure_id, period, criterion),
        ).fetchone()
    return row


def _override_other_sources(url, output, keep: str):
    for contract in contracts.all_contracts().values():
        if freshness.has_rule(contract) and contract.source != keep:
            freshness.add_override(
                url,
                output,
                "Not used by this test report",
                "Policy Team",
                LATER,
                source=contract.source,
            )


def test_each_criterion_catches_its_seeded_defect(activated, workspace):
    url = activated
    months = {
        dt.date(2024, 11, 1): 40,
        dt.date(2024, 12, 1): 40,
        dt.date(2025, 1, 1): 40,
        dt.date(2025, 2, 1): 40,
        dt.date(2025, 3, 1): 3,
    }  # reliable: volume collapses
    _load_crm(url, workspace["landing"] / "crm_contacts", months)
    with psycopg.connect(url) as conn:  # verifiable: a row no loaded batch accounts for
        conn.execute(
            """insert into raw.crm_contacts (contact_id, council_code, received_at, channel,
                   service, demand_type, resolved_at_first_point, team, _batch_id, _source_file)
               values ('ORPHAN', %s, '2025-03-02', 'phone', 'council_tax', 'value', true,
                   'customer_services', %s, 'unknown.csv')""",
            (BROMSGROVE, str(uuid.uuid4())),
        )
    good, no_purpose, undefined = "m_good", "m_no_purpose", "m_undefined"
    _marts(
        url,
        [_measure(good), _measure(no_purpose, purpose=None), _measure(undefined, definition=None)],
        [
            _figure(good, dt.date(2024, 10, 1)),  # timely: crm for October was never loaded
            _figure(good, dt.date(2025, 1, 1)),
            _figure(good, dt.date(2025, 2, 1), numerator=50, denominator=40),  # accurate
            _figure(no_purpose, dt.date(2025, 1, 1)),  # relevant
            _figure(undefined, dt.date(2025, 1, 1)),  # well defined
        ],
    )
    found, outcomes, pages = {}, {}, {}
    for name in ("raw.crm_contacts", "marts.dim_measures", "marts.fct_measure_values"):
        run = checks.run_and_record(url, _suite(name))[0]
        pages[name] = run.page
        for outcome in run.outcomes:
            outcomes[outcome.expectation.check_id] = outcome
            if not outcome.success:
                found.setdefault(outcome.expectation.criterion, set()).add(
                    outcome.expectation.check_id
                )
    assert "volume_collapse" in found["reliable"]
    assert "rows_trace_to_loaded_batch" in found["verifiable"]
    assert "batch_rows_reconcile" not in found["verifiable"]
    assert "numerator_le_denominator" in found["accurate"]
    assert "percent_reconciles_to_formula" not in found.get("verifiable", set())
    assert "strategic_measure_has_purpose" in found["relevant"]
    assert "definition_complete" in found["well_defined"]
    # A passing row check records no unexpected rows; a failing one its count and its rows,
    # found by validating it again in detail.
    assert outcomes["expect_column_values_to_not_be_null:contact_id"].unexpected_count == 0
    orphans = outcomes["rows_trace_to_loaded_batch"]
    assert orphans.unexpected_count == 1 and orphans.rows[0]["rows"] == 1
    # The Data Docs page says which checks could not run, and why.
    crm_page = Path(unquote(urlsplit(pages["raw.crm_contacts"]).path)).read_text()
    assert "Checks that could not run" in crm_page and "raw.gazetteer does not exist" in crm_page

    marks.build_measure_quality(url, today=TODAY)
    jan, feb, oct_ = dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2024, 10, 1)
    assert _status(url, good, feb, "accurate")[0] == "fail"
    # January's figure is accurate; only the uprn match (WARN) could not run without a gazetteer.
    status, evidence = _status(url, good, jan, "accurate")
    assert status == "warn" and "gazetteer" in evidence and "numerator" not in evidence
    assert _status(url, no_purpose, jan, "relevant")[0] == "fail"
    assert _status(url, good, jan, "relevant")[0] == "pass"
    assert _status(url, undefined, jan, "well_defined")[0] == "fail"
    assert _status(url, good, jan, "well_defined")[0] == "pass"
    assert _status(url, good, jan, "reliable")[0] == "fail"  # its source crm_contacts failed
    assert _status(url, good, jan, "verifiable")[0] == "fail"
    status, evidence = _status(url, good, oct_, "timely")
    assert status == "fail" and "October 2024" in evidence
    assert _status(url, good, jan, "timely")[0] == "warn"  # loaded, but after its due date

    decision = gate.check_gate(url, "report:cabinet", today=TODAY)
    assert not decision.allowed
    assert any("numerator_le_denominator" in reason for reason in decision.reasons)

    with psycopg.connect(url) as conn:  # accurate: a code the contract does not allow
        conn.execute("update raw.crm_contacts set channel = 'pigeon' where contact_id = 'ORPHAN'")
    rerun = {
        o.expectation.check_id: o
        for o in validation.run_suite(url, _suite("raw.crm_contacts")).outcomes
    }
    channel = rerun["expect_column_values_to_be_in_set:channel"]
    assert (channel.success, channel.unexpected_count) == (False, 1)
    assert rerun["expect_column_values_to_be_in_set:demand_type"].unexpected_count == 0


def test_a_raw_key_is_unique_while_its_unique_index_stands(activated, workspace):
    """The suite's key check reads the catalogue, not the table: the loader's unique index on
    the key refuses duplicates, so the check fails when that index is missing or not unique."""
    url = activated
    _load_crm(url, workspace["landing"] / "crm_contacts", {dt.date(2025, 1, 1): 10})

    def key_check():
        outcomes = validation.run_suite(url, _suite("raw.crm_contacts")).outcomes
        return next(o for o in outcomes if o.expectation.check_id == "key_unique")

    assert key_check().success
    with psycopg.connect(url) as conn:
        conn.execute("drop index raw.crm_contacts__pk")
        conn.execute("create index crm_contacts__pk on raw.crm_contacts (contact_id)")
        conn.execute(
            """insert into raw.crm_contacts select * from raw.crm_contacts
               where contact_id = (select min(contact_id) from raw.crm_contacts)"""
        )
    missing = key_check()
    assert not missing.success and missing.expectation.severity == "ERROR"
    assert missing.rows[0]["relation"] == "raw.crm_contacts"
    with psycopg.connect(url) as conn:  # an index on the key and more columns is no guarantee
        conn.execute(
            "delete from raw.crm_contacts where ctid not in "
            "(select min(ctid) from raw.crm_contacts group by contact_id)"
        )
        conn.execute("drop index raw.crm_contacts__pk")
        conn.execute("create unique index on raw.crm_contacts (contact_id, channel)")
    assert not key_check().success
    with psycopg.connect(url) as conn:
        conn.execute("create unique index on raw.crm_contacts (contact_id)")
    assert key_check().success


def test_a_passing_row_query_runs_once_and_a_failing_one_returns_its_rows(activated, workspace):
    """GX's unexpected_rows_expectation fetches the rows as well as counting them; pass or fail
    needs the count alone, and only a failure is asked again for its rows."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    url = activated
    _load_crm(url, workspace["landing"] / "crm_contacts", {dt.date(2025, 1, 1): 10})
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        passing = validation.run_suite(url, _suite("raw.crm_contacts"))
        ran_when_passing = sum("rows_in_table" in statement for statement in statements)
        with psycopg.connect(url) as conn:
            conn.execute("update audit.loads set rows_loaded = rows_loaded + 1")
        statements.clear()
        failing = validation.run_suite(url, _suite("raw.crm_contacts"))
        ran_when_failing = sum("rows_in_table" in statement for statement in statements)
    finally:
        event.remove(Engine, "before_cursor_execute", record)

    def reconcile(run):
        return next(o for o in run.outcomes if o.expectation.check_id == "batch_rows_reconcile")

    assert reconcile(passing).success and ran_when_passing == 1
    failed = reconcile(failing)
    assert not failed.success and failed.unexpected_count == 1
    assert failed.rows[0]["rows_loaded"] == 11 and failed.rows[0]["rows_in_table"] == 10
    assert ran_when_failing >= 2  # pass or fail, then the rows


def _report_defs(url, report_file):
    @dg.asset(key=["marts", "fct_measure_values"])
    def fct_measure_values():
        return None  # the table is the fixture's; materializing it triggers its check

    @dg.asset(key=["reports", "demo"], deps=[fct_measure_values])
    def demo_report():
        decision = gate.check_gate(url, "report:demo", dt.date(2025, 2, 28), today=TODAY)
        if not decision.allowed:
            raise dg.Failure("gate closed; last good report kept")
        report_file.write_text(f"report built {uuid.uuid4()}")

    return [
        fct_measure_values,
        demo_report,
        checks.build_suite_check(_suite("marts.fct_measure_values")),
    ]


def _materialize(url, definitions):
    return dg.materialize(
        definitions,
        resources={"warehouse": WarehouseResource(url=url)},
        instance=dg.DagsterInstance.ephemeral(),
        raise_on_error=False,
    )


def test_a_rate_may_count_more_events_than_residents_but_a_percentage_may_not(activated):
    """Contacts per 1,000 residents over a year can exceed 1,000 (a busy council, or the demo
    at scale 10): only a percentage's numerator is bounded by its denominator."""
    rate = (*_measure("m_rate")[:10], "rate_per_1000", *_measure("m_rate")[11:])
    year = dt.date(2025, 1, 1)
    _marts(
        activated,
        [rate, _measure("m_pct")],
        [
            ("m_rate", BROMSGROVE, year, year, BROMSGROVE, 120_000, 98_000, 1224.4898),
            _figure("m_pct", year, numerator=50, denominator=40),
        ],
    )
    run = checks.run_and_record(activated, _suite("marts.fct_measure_values"))[0]
    (outcome,) = [o for o in run.outcomes if o.expectation.check_id == "numerator_le_denominator"]
    assert not outcome.success and outcome.unexpected_count == 1
    with psycopg.connect(activated) as conn:
        flagged = conn.execute(
            "select distinct measure_id from audit.quality_results "
            "where check_id = 'numerator_le_denominator' and not success"
        ).fetchall()
    assert flagged == [("m_pct",)]


def test_a_figure_far_from_its_years_median_warns_unless_a_budget_variance(activated):
    """Ten times a count's usual level is worth a look; a budget variance near zero is not
    (it crosses zero, so it has no scale for ratios)."""
    months = [dt.date(2024, m, 1) for m in range(1, 13)]
    usual = [(m, 10) for m in months[:-1]] + [(months[-1], 100)]
    variances = [(m, 1000 + 50 * (i % 3)) for i, m in enumerate(months[:-1])]
    variances.append((months[-1], 5))

    def figures(measure_id, values):
        return [
            (measure_id, BROMSGROVE, m, freshness.period_containing("monthly", m).end)
            + (BROMSGROVE, v, 1, v)
            for m, v in values
        ]

    _marts(
        activated,
        [_measure("m_count", family="contact_count"), _measure("m_var", family="budget_variance")],
        figures("m_count", usual) + figures("m_var", variances),
    )
    run = checks.run_and_record(activated, _suite("marts.fct_measure_values"))[0]
    (outcome,) = [
        o for o in run.outcomes if o.expectation.check_id == "value_plausible_against_history"
    ]
    assert not outcome.success and not outcome.error
    assert [(row["measure_id"], row["period_start"]) for row in outcome.rows] == [
        ("m_count", months[-1])
    ]


def test_error_failure_blocks_publication_and_a_waiver_lets_it_through(activated, workspace):
    url = activated
    freshness.add_override(
        url, "*", "Test: sources are not part of this case", "Policy Team", LATER
    )
    measure, feb = "m_good", dt.date(2025, 2, 1)
    _marts(url, [_measure(measure)], [_figure(measure, dt.date(2025, 1, 1)), _figure(measure, feb)])
    report = workspace["output"] / "report.txt"
    definitions = _report_defs(url, report)

    assert _materialize(url, definitions).success
    last_good = report.read_text()

    with psycopg.connect(url) as conn:  # an ERROR defect: numerator above denominator
        conn.execute(
            "update marts.fct_measure_values set numerator = 99, value = 247.5 "
            "where period_start = %s",
            (feb,),
        )
    result = _materialize(url, definitions)
    check = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert check and check[0].severity == dg.AssetCheckSeverity.ERROR
    assert not result.get_asset_materialization_events() or all(
        event.asset_key != dg.AssetKey(["reports", "demo"])
        for event in result.get_asset_materialization_events()
    )
    assert report.read_text() == last_good  # the last good report stays
    blocked = gate.check_gate(url, "report:demo", dt.date(2025, 2, 28), today=TODAY)
    assert not blocked.allowed and "numerator_le_denominator" in blocked.reasons[0]
    # A report for January does not include February's figure, so it may go out.
    assert gate.check_gate(url, "report:demo", dt.date(2025, 1, 31), today=TODAY).allowed

    waiver = marks.add_waiver(
        url,
        reason="Partner return restated; confirmed correct",
        waived_by="J Smith",
        expires_at=LATER,
        measure_id=measure,
        council_code=BROMSGROVE,
        period_start=feb,
        criterion="accurate",
    )
    allowed = gate.check_gate(url, "report:demo", dt.date(2025, 2, 28), today=TODAY)
    assert allowed.allowed
    assert any(
        "J Smith" in warning and f"waiver {waiver}" in warning for warning in allowed.warnings
    )
    marks.build_measure_quality(url, today=TODAY)
    status, evidence = _status(url, measure, feb, "accurate")
    assert status == "waived" and "J Smith" in evidence
    with psycopg.connect(url) as conn:
        events = conn.execute(
            """select action, row_data ->> 'reason', changed_by from audit.quality_override_events
               where table_name = 'input.quality_waivers' and row_id = %s""",
            (waiver,),
        ).fetchall()
        decisions = conn.execute(
            "select allowed from audit.gate_decisions where output = 'report:demo' "
            "order by decision_id"
        ).fetchall()
    assert events and events[0][0] == "insert" and "restated" in events[0][1]
    assert [row[0] for row in decisions][-2:] == [True, True]
    assert False in [row[0] for row in decisions]

    result = _materialize(url, definitions)  # check still fails; Dagster still blocks
    assert report.read_text() == last_good
    assert gate.check_gate(url, "report:demo", dt.date(2025, 2, 28), today=TODAY).allowed


def test_stale_input_blocks_a_report_until_loaded_or_overridden(activated, workspace):
    url = activated
    folder = workspace["landing"] / "crm_contacts"
    _load_crm(url, folder, {dt.date(2025, 2, 1): 10})
    _override_other_sources(url, "report:cabinet", keep="crm_contacts")

    blocked = gate.check_gate(url, "report:cabinet", today=TODAY)
    assert not blocked.allowed
    assert len(blocked.reasons) == 1 and "crm_contacts" in blocked.reasons[0]
    assert "March 2025" in blocked.reasons[0] and "07 April 2025" in blocked.reasons[0]
    # Before March's due date (5th working day, after a weekend) February is all that is due.
    assert gate.check_gate(url, "report:cabinet", today=dt.date(2025, 4, 4)).allowed

    freshness.add_override(
        url, "report:cabinet", "Cabinet agreed to use February data", "Policy Team lead", LATER
    )
    overridden = gate.check_gate(url, "report:cabinet", today=TODAY)
    assert overridden.allowed
    assert any("Policy Team lead" in warning for warning in overridden.warnings)
    assert not gate.check_gate(url, "site", today=TODAY).allowed  # the override was per output

    _load_crm(url, folder, {dt.date(2025, 3, 1): 10})
    with psycopg.connect(url) as conn:
        conn.execute(
            "update input.freshness_overrides set revoked_at = now(), "
            "revoked_by = 'Policy Team lead' where source is null"
        )
    assert gate.check_gate(url, "report:cabinet", today=TODAY).allowed


# Incremental raw suites: after a passing run only the batches loaded since are checked, until
# something the passing runs relied on changes (orchestration/lib/quality/scope.py).

JAN, FEB, MAR, APR = (dt.date(2025, month, 1) for month in (1, 2, 3, 4))


def _run_crm_check(url):
    """The suite check's work; returns the run and the SQL GX sent."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        run, _ = checks.run_and_record(url, _suite("raw.crm_contacts"))
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    return run, statements


def _load_crm_with_gazetteer(url, folder, months):
    """Contacts, and the (empty) gazetteer their address check reads, so the suite can pass."""
    with psycopg.connect(url) as conn:
        raw_tables.ensure_raw_table(conn, contracts.get("gazetteer"))
    _load_crm(url, folder, months)


def _failed(run):
    return {o.expectation.check_id: o for o in run.outcomes if not o.success}


def _covered(url):
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select count(*) from audit.quality_coverage where suite = 'raw.crm_contacts'"
        ).fetchone()[0]


def test_new_batches_are_checked_alone_until_a_failure_or_a_change(activated, workspace):
    url = activated
    landing = workspace["landing"] / "crm_contacts"
    _load_crm_with_gazetteer(url, landing, {JAN: 10, FEB: 10})

    run, _ = _run_crm_check(url)
    assert (run.scope, _failed(run)) == ("whole table", {})
    assert _covered(url) == 2

    _load_crm(url, landing, {MAR: 10})
    run, statements = _run_crm_check(url)
    assert (run.scope, run.success) == ("1 new batch", True)
    # every table read is of the new batch's rows, found by their load time (the BRIN index)
    reads = [s for s in statements if "raw.crm_contacts" in s or "FROM crm_contacts" in s]
    assert reads and all("_batch_id = any(array[" in s and "_loaded_at >=" in s for s in reads)
    assert _covered(url) == 3

    # a new batch's bad row is found by the scoped run, and the next run checks everything
    bad = _crm_file(landing, APR, 10)
    bad.write_text(bad.read_text().replace(",value,,", ",value,chasing_progress,", 1))
    assert loaders.ingest_file(url, bad, "crm_contacts").outcome == "loaded"
    run, _ = _run_crm_check(url)
    assert run.scope == "1 new batch"
    assert _failed(run)["value_demand_has_no_failure_type"].unexpected_count == 1
    assert _covered(url) == 0
    run, _ = _run_crm_check(url)
    assert run.scope == "whole table" and "value_demand_has_no_failure_type" in _failed(run)

    # once it passes again, a row deleted outside the loader makes the next run check the whole
    # table, where the batch no longer reconciles with audit.loads
    with psycopg.connect(url) as conn:
        conn.execute("update raw.crm_contacts set failure_type = null where demand_type = 'value'")
    assert _run_crm_check(url)[0].success and _run_crm_check(url)[0].scope == "0 new batches"
    with psycopg.connect(url) as conn:
        conn.execute("delete from raw.crm_contacts where contact_id = %s", (f"C{JAN:%Y%m}-0001",))
        conn.execute("select pg_stat_force_next_flush()")  # counters are reported when idle
    run, _ = _run_crm_check(url)
    assert run.scope == "whole table"
    assert _failed(run)["batch_rows_reconcile"].unexpected_count == 1


def test_a_corrected_file_or_a_changed_suite_checks_the_whole_table(activated, workspace):
    url = activated
    landing = workspace["landing"] / "crm_contacts"
    _load_crm_with_gazetteer(url, landing, {JAN: 10, FEB: 10})
    assert _run_crm_check(url)[0].scope == "whole table"
    _load_crm(url, landing, {MAR: 10})
    assert scope.plan(url, _suite("raw.crm_contacts")).batches is not None

    changed = dataclasses.replace(
        _suite("raw.crm_contacts"),
        expectations=(
            *_suite("raw.crm_contacts").expectations,
            Expectation(
                "expect_column_values_to_not_be_null", {"column": "team"}, "reliable", "WARN"
            ),
        ),
    )
    assert scope.plan(url, changed).batches is None

    (landing / "corrected").mkdir()
    corrected = _crm_file(landing / "corrected", FEB, 12)
    result = loaders.ingest_file(url, corrected, "crm_contacts")
    assert result.outcome == "loaded" and len(result.replaced_batches) == 1
    run, _ = _run_crm_check(url)
    assert (run.scope, run.success) == ("whole table", True)
    assert _covered(url) == 3  # January, the corrected February, March
