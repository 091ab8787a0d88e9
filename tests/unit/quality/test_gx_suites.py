"""The YAML suites as native Great Expectations suites, and the officers' words for a failure
(no database)."""

import datetime as dt
import json

import pytest

from orchestration.lib.quality import gx_library, gx_suites, officer_docs, suite_files
from orchestration.lib.quality.expectations import CRITERIA, CRITERION_WORDS, UNEXPECTED_ROWS

pytestmark = pytest.mark.unit


def _suite(name):
    return next(suite for suite in suite_files.all_suites() if suite.name == name)


def test_every_suite_compiles_to_a_native_suite_gx_can_load_again():
    gx = gx_library.great_expectations()
    from great_expectations.core.expectation_suite import ExpectationSuiteSchema

    for suite in suite_files.all_suites():
        native = gx_suites.compile_suite(suite)
        assert isinstance(native, gx.ExpectationSuite)
        document = json.loads(json.dumps(native.to_json_dict()))
        loaded = gx.ExpectationSuite(**ExpectationSuiteSchema().load(document))
        assert loaded.name == suite.name and loaded.meta["table"] == suite.table
        assert [item.expectation_type for item in loaded.expectations] == [
            item.type for item in suite.expectations
        ]
        rule_ids = [item["meta"]["rule_id"] for item in document["expectations"]]
        assert rule_ids == [item.check_id for item in suite.expectations]
        assert len(set(rule_ids)) == len(rule_ids)


def test_severity_is_gxs_own_and_criterion_rule_and_owner_are_in_meta():
    suite = _suite("marts.fct_measure_values")
    native = gx_suites.compile_suite(suite).to_json_dict()
    by_rule = {item["meta"]["rule_id"]: item for item in native["expectations"]}
    blocking = by_rule["numerator_le_denominator"]
    assert blocking["severity"] == "critical"
    assert blocking["meta"]["criterion"] == "accurate"
    assert blocking["meta"]["owner"] == "Policy Team"
    assert "unit in the measure register" in blocking["meta"]["what_to_do"]
    assert blocking["meta"]["requires"] == ["marts.dim_measures"]
    assert blocking["description"].startswith("A percentage's numerator never exceeds")
    assert by_rule["value_plausible_against_history"]["severity"] == "warning"
    # A contract's rules are owned by the data's supplier, named in the contract.
    crm = gx_suites.compile_suite(_suite("raw.crm_contacts")).to_json_dict()
    owners = {item["meta"]["owner"] for item in crm["expectations"]}
    assert owners == {"Customer Services"}
    for item in crm["expectations"]:
        assert item["meta"]["criterion"] in CRITERIA and item["meta"]["what_to_do"]
        assert item["severity"] in ("critical", "warning")


def test_row_queries_count_their_rows_only_in_the_pass_or_fail_run():
    suite = _suite("marts.fct_measure_values")
    own = gx_library.great_expectations().expectations.UnexpectedRowsExpectation
    native = gx_suites.compile_suite(suite)
    counted = gx_suites.compile_suite(suite, counted_rows=True)
    pairs = zip(suite.expectations, native.expectations, counted.expectations, strict=True)
    row_queries = [(n, c) for e, n, c in pairs if e.type == UNEXPECTED_ROWS]
    assert row_queries
    for plain, counting in row_queries:
        assert type(plain) is own
        assert isinstance(counting, own) and type(counting) is not own
        assert counting.meta == plain.meta and counting.severity == plain.severity


def test_a_misspelt_suite_key_is_named_with_a_suggestion(tmp_path):
    path = tmp_path / "marts.things.yml"
    path.write_text(
        "table: marts.things\nexpectations:\n"
        "  - type: expect_column_values_to_not_be_null\n"
        "    kwargs: {column: x}\n    criterion: accurate\n    severty: ERROR\n"
    )
    with pytest.raises(suite_files.SuiteError, match="unknown key 'severty'.*'severity'"):
        suite_files.load_suite(path)
    path.write_text("table: marts.things\nonwer: Policy Team\n")
    with pytest.raises(suite_files.SuiteError, match="unknown key 'onwer'.*'owner'"):
        suite_files.load_suite(path)


def test_the_six_criteria_have_plain_words():
    assert tuple(CRITERION_WORDS) == CRITERIA
    for name, short, text in CRITERION_WORDS.values():
        assert name and short and len(text) > 40 and "_" not in name


def test_periods_and_values_in_words():
    assert officer_docs.period_words(dt.date(2025, 2, 1), "monthly") == "February 2025"
    assert officer_docs.period_words("2025-04-01", "quarterly") == "April to June 2025"
    assert officer_docs.period_words(dt.date(2024, 4, 1), "annual") == "2024/25"
    assert officer_docs.period_words(dt.date(2024, 1, 1), "annual") == "2024"
    assert officer_docs._value(30927000.0) == "30,927,000"
    assert officer_docs._value(12.5) == "12.5" and officer_docs._value(None) == ""


def _failed_row_query(rows, measures):
    gx = gx_library.great_expectations()
    suite = _suite("marts.fct_measure_values")
    expectation = next(e for e in suite.expectations if e.check_id == "numerator_le_denominator")
    configuration = gx_suites.native_expectation(expectation).configuration
    return gx.core.ExpectationValidationResult(
        success=False,
        expectation_config=configuration,
        result={"observed_value": len(rows), "details": {"unexpected_rows": rows}},
        meta={"measures": measures},
    )


def test_a_failure_names_its_measure_council_period_and_rows_and_says_what_to_do():
    rows = [
        {"measure_id": "hou_prevented", "council_code": "E07000234", "period_start": "2025-02-01",
         "numerator": 50, "denominator": 40},
        {"measure_id": "hou_prevented", "council_code": "E07000236", "period_start": "2025-03-01",
         "numerator": 9.0, "denominator": 8},
    ]  # fmt: skip
    measures = {
        f"hou_prevented|{council}": {
            "name": "Households prevented from becoming homeless",
            "owner": "Housing Options Manager",
            "frequency": "monthly",
        }
        for council in ("E07000234", "E07000236")
    }
    found = officer_docs.failure(_failed_row_query(rows, measures))
    assert found["blocking"] and found["severity"].startswith("Stops publication")
    assert found["found"] == "2 rows do not meet it."
    assert found["criterion"] == "Accurate" and found["rule"] == "numerator_le_denominator"
    assert "Housing Options Manager" in found["owner"] and "Policy Team" in found["owner"]
    assert "measure register" in found["what_to_do"]
    assert [(f["measure"], f["council"], f["period"]) for f in found["figures"]] == [
        ("Households prevented from becoming homeless", "Bromsgrove District Council",
         "February 2025"),
        ("Households prevented from becoming homeless", "Redditch Borough Council", "March 2025"),
    ]  # fmt: skip
    # The rows concerned, measure, council and period first, numbers as people write them.
    assert found["columns"][:3] == ["Measure id", "Council code", "Period start"]
    assert found["rows"][1] == ["hou_prevented", "E07000236", "2025-03-01", "9", "8"]


def test_a_failure_whose_measure_is_unknown_is_still_named_readably():
    rows = [{"measure_id": "new_measure_x", "council_code": "E07000234", "period_start": None}]
    found = officer_docs.failure(_failed_row_query(rows, {}))
    assert [(f["measure"], f["period"]) for f in found["figures"]] == [
        ("New measure x", "Every period")
    ]
