"""The model of a source contract, config/contracts/<source>.yml (format in its README).

The validated model is the Contract the loader, the raw tables and the quality suites use
(orchestration/lib/contracts.py reads the files). A new contract key is a field here, with its
docstring: the JSON Schema for editors (config/schemas/) is generated from these classes.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from orchestration.lib.registers.base import Identifier, Model, Text, fail, references
from orchestration.lib.registers.problems import suggest

# A column's type in the contract -> its PostgreSQL type in raw.<source>.
SQL_TYPES = {
    "text": "text",
    "integer": "bigint",
    "numeric": "numeric",
    "date": "date",
    "timestamp": "timestamp",
    "boolean": "boolean",
}
ColumnType = Literal["text", "integer", "numeric", "date", "timestamp", "boolean"]
Frequency = Literal["monthly", "quarterly", "annual", "static"]
# "gazetteer.uprn": a column of another source.
ColumnReference = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")]


def _check_reference(value: str | None, info: ValidationInfo) -> str | None:
    sources = references(info).source_columns
    if value is None or sources is None:
        return value
    source, column = value.split(".", 1)
    if source not in sources:
        fail(f"{source!r} is not a source contract", hint=suggest(source, sources))
    if column not in sources[source]:
        fail(
            f"{column!r} is not a column of the {source} contract",
            hint=suggest(column, sources[source]),
        )
    return value


class Column(Model):
    name: Identifier
    """The column's name in the file's header and in raw.<source>."""
    type: ColumnType
    """text | integer | numeric | date | timestamp | boolean."""
    required: bool = False
    """No empty values."""
    allowed: tuple[str, ...] | None = None
    """The code list: every value must be one of these."""
    min: int | float | dt.date | None = None
    """Inclusive lower bound (numbers, dates)."""
    max: int | float | dt.date | None = None
    """Inclusive upper bound (numbers, dates)."""
    personal: bool = False
    """Personal data: never leaves raw and staging."""
    references: ColumnReference | None = None
    """source.column whose values this should match (match rates reported, not enforced)."""
    codes_from: ColumnReference | None = None
    """source.column whose loaded codes this must be one of, else the file is rejected."""
    pattern: str | None = None
    """A regular expression the whole value must match (text columns)."""
    pattern_hint: str | None = None
    """What the error says when a value does not match the pattern."""
    description: str = ""

    _references = field_validator("references", "codes_from")(_check_reference)

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as error:
                fail(f"is not a valid regular expression ({error})")
        return pattern

    @model_validator(mode="after")
    def _pattern_on_text(self) -> Column:
        if self.pattern is not None and self.type != "text":
            fail(f"a pattern needs a text column, and this one is {self.type}", "pattern")
        if self.pattern_hint is not None and self.pattern is None:
            fail("says what a pattern means, but the column has no pattern", "pattern_hint")
        return self

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


class Contract(Model):
    """What each landing-zone file of one source holds (config/contracts/README.md)."""

    source: Identifier
    """The landing folder landing/<source>/ and the table raw.<source>; the file's own name."""
    title: Text
    description: str = ""
    grain: Text
    """What one row is ("one customer contact")."""
    owner: str = ""
    """Who supplies the data."""
    frequency: Frequency = "static"
    """How often a file arrives: monthly | quarterly | annual | static."""
    due_working_day: int | None = Field(default=None, ge=1, le=19)
    """Data for a period are due by this working day of the month after it ends (every month
    has at least 19 working days)."""
    published_months_after: int | None = Field(default=None, ge=1, le=24)
    """A published statistic (annual or quarterly): each edition is expected by the end of this
    month after its period ends (9: a financial year's figures by 31 December)."""
    period_column: str | None = None
    """The column whose month(s) define a batch's period; a corrected file for the same period
    replaces the earlier batch."""
    primary_key: tuple[str, ...] = ()
    """Unique within a file and across the table."""
    optional_columns: tuple[str, ...] = ()
    """Columns a file may leave out of its header (they load as empty)."""
    columns: tuple[Column, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _columns_named(self) -> Contract:
        names = [column.name for column in self.columns]
        for index, name in enumerate(names):
            if name in names[:index]:
                fail(f"column {name!r} is listed twice", f"columns.{index}.name")
        for field_name, keys in (
            ("primary_key", self.primary_key),
            ("optional_columns", self.optional_columns),
            ("period_column", [self.period_column] if self.period_column else []),
        ):
            for index, key in enumerate(keys):
                if key not in names:
                    where = field_name if field_name == "period_column" else f"{field_name}.{index}"
                    fail(f"{key!r} is not one of its columns", where, suggest(key, names))
        for index, key in enumerate(self.optional_columns):
            if self.column(key).required:
                fail(
                    f"{key!r} is required, so a file may not leave it out",
                    f"optional_columns.{index}",
                )
        if self.published_months_after is not None and (
            self.frequency not in ("annual", "quarterly") or self.due_working_day is not None
        ):
            fail(
                "is for published annual or quarterly statistics without a due_working_day",
                "published_months_after",
            )
        return self

    @property
    def table(self) -> str:
        return f"raw.{self.source}"

    @property
    def column_names(self) -> list[str]:
        return [column.name for column in self.columns]

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise KeyError(name)
