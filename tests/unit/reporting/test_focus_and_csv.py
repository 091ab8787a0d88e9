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
      - {measure_id: a, reason: first}
  - from: 2025-09-01
    council_code: E07000234
    added_by: Policy Team
    measures:
      - {measure_id: a, reason: still}
      - {measure_id: b, reason: new}
"""


def test_seed_list_in_force_at_the_meeting_is_used(tmp_path):
    path = tmp_path / "focus.yml"
    path.write_text(SEED)
    assert [r["measure_id"] for r in focus.seed_focus("E07000234", dt.date(2025, 7, 15), path)] == [
        "a"
    ]
    later = focus.seed_focus("E07000234", dt.date(2025, 9, 15), path)
    assert [(r["measure_id"], r["reason"]) for r in later] == [("a", "still"), ("b", "new")]
    assert focus.seed_focus("E07000236", dt.date(2025, 9, 15), path) == []
    assert focus.seed_focus("E07000234", dt.date(2024, 12, 31), path) == []


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
    assert merged[1]["source"].startswith("officer app")


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
