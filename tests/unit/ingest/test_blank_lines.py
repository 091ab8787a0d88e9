"""Blank lines the CSV parsers skip but COPY would read as a row of missing values."""

import pytest

from orchestration.lib.ingest.validation import has_blank_line

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("text", "blank"),
    [
        ("id,name\n1,a\n2,b\n", False),
        ("id,name\r\n1,a\r\n2,b\r\n", False),
        ("id,name\n1,a\n2,b", False),
        ("id,name\n1,a\n\n2,b\n", True),
        ("id,name\r\n1,a\r\n\r\n2,b\r\n", True),
        ("id,name\n1,a\n2,b\n\n", True),  # after the rows: a sender's padding
        ("id,name\r\n1,a\r\n\r\n", True),
        ("\nid,name\n1,a\n", True),  # before the header: COPY would take it for the header
    ],
)
def test_a_blank_line_anywhere_sends_the_file_the_way_that_skips_it(text, blank):
    assert has_blank_line(text) is blank
