import datetime as dt

import pytest

from orchestration.lib import csvsafe
from orchestration.lib.reporting import focus

pytestmark = pytest.mark.unit

SEED = """
lists:
  - from: 2025-01-01
    council_code: E07000234
    added_by: Policy Team
    measures:
      - {measure_id: ena_failure_demand_share, reason: first}
  - from: 2025-09-01
    council_code: E07000234
    added_by: Policy Team
    measures:
      - {measure_id: ena_failure_demand_share, reason: still}
      - {measure_id: hou_e2e_housing_register_median, reason: new}
"""


def test_seed_list_in_force_at_the_meeting_is_used(tmp_path):
    path = tmp_path / "focus.yml"
    path.write_text(SEED)
    first = focus.seed_focus("E07000234", dt.date(2025, 7, 15), path)
    assert [r["measure_id"] for r in first] == ["ena_failure_demand_share"]
    later = focus.seed_focus("E07000234", dt.date(2025, 9, 15), path)
    assert [(r["measure_id"], r["reason"]) for r in later] == [
        ("ena_failure_demand_share", "still"),
        ("hou_e2e_housing_register_median", "new"),
    ]
    assert later[0]["source"] == "CMT's focus list from 1 September 2025"
    assert focus.seed_focus("E07000236", dt.date(2025, 9, 15), path) == []
    assert focus.seed_focus("E07000234", dt.date(2024, 12, 31), path) == []


def test_the_committed_focus_lists_name_only_registry_measures():
    assert focus.load_lists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("measure_id: hou_e2e_housing_register_median", "measure_id: hou_e2e_housing_median"),
            r"focus.yml, line 13, column 10: focus list 2, measure 2, field 'measure_id': "
            r"'hou_e2e_housing_median' is not in the measure registry; "
            r"did you mean hou_e2e_housing_register_median",
        ),
        (
            ("measure_id: ena_failure_demand_share, reason: first", "measure_id: ENA-FD-SHARE"),
            r"focus.yml, line 7, .*'ENA-FD-SHARE' .*did you mean ena_failure_demand_share",
        ),
        (
            ("from: 2025-09-01", "from: September"),
            r"focus.yml, line 8, .*field 'from': must be a date",
        ),
        (
            ("2025-09-01\n    council_code: E07000234", "2025-09-01\n    council_code: E0700023"),
            r"focus.yml, line 9, .*'E0700023' is not a council .*did you mean .*E07000234",
        ),
    ],
)
def test_a_misspelt_focus_list_fails_loudly_with_file_line_and_nearest_ids(
    tmp_path, change, message
):
    path = tmp_path / "focus.yml"
    old, new = (part.replace("\\n", "\n") for part in change)
    assert old in SEED
    path.write_text(SEED.replace(old, new, 1))
    with pytest.raises(focus.FocusError, match=message):
        focus.seed_focus("E07000234", dt.date(2025, 9, 15), path)


def test_app_rows_extend_the_seed_and_override_its_reason():
    seed = [{"measure_id": "a", "council_code": "C", "reason": "seed", "added_by": "PT",
             "source": "yml"}]  # fmt: skip
    app = [
        {"measure_id": "z", "council_code": "C", "reason": "asked", "added_by": "Kim",
         "added_at": "2026-01-02"},
        {"measure_id": "a", "council_code": "C", "reason": "", "added_by": "Lee",
         "added_at": "2026-01-01"},
    ]  # fmt: skip
    merged = focus.merge(seed, app)
    assert [r["measure_id"] for r in merged] == ["a", "z"]
    assert merged[0]["reason"] == "seed" and merged[0]["added_by"] == "Lee"
    assert merged[1]["source"] == "added by the Policy Team in the Dashboard"


@pytest.mark.parametrize(
    "text", ["=SUM(A1)", "+1", "-cmd", "@x", "\tx", "\rx", "'quoted", "''", "plain", "", "a,b\n"]
)
def test_guarded_csv_reads_back_exactly(text):
    dumped = csvsafe.dumps([{"c": text}], ["c"])
    cell_line = dumped.split("\r\n", 1)[1]
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        assert cell_line.lstrip('"').startswith("'")
    assert csvsafe.loads(dumped) == [{"c": text}]


def test_numbers_are_left_alone():
    dumped = csvsafe.dumps([{"v": -3.5, "w": 48.0, "n": None, "b": True}], ["v", "w", "n", "b"])
    assert dumped.splitlines()[1] == "-3.5,48,,true"
