"""The model of the register of data-sharing agreements, config/sharing_agreements.yml (rules in
docs/sharing.md). orchestration/lib/sharing/agreements.py reads it into the terms extracts use.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, ValidationInfo, field_validator, model_validator

from orchestration.lib.registers.base import (
    CouncilCode,
    Identifier,
    MeasureId,
    Model,
    Text,
    fail,
    references,
)
from orchestration.lib.registers.problems import suggest

# The columns of marts.fct_measure_values an agreement may name, with their meaning (tables.md).
MEASURE_COLUMNS = {
    "measure_id": "Stable identifier of the measure (see the council's measure definitions).",
    "council_code": "GSS code of the council whose measure it is (E07000234 Bromsgrove, "
    "E07000236 Redditch).",
    "period_start": "First day of the period the figure covers (ISO date).",
    "period_end": "Last day of the period the figure covers (ISO date).",
    "geography_type": "Level of the area: council, locality or ward.",
    "geography_code": "Code of the area (GSS code for wards and councils; the council's "
    "locality code for localities).",
    "numerator": "The count the figure is built on (the numerator of a rate or share).",
    "denominator": "The base of a rate or share (empty for plain counts).",
    "value": "The figure itself in the measure's unit.",
    "status": "provisional, final or revised.",
}
MeasureColumn = Literal[
    "measure_id", "council_code", "period_start", "period_end", "geography_type",
    "geography_code", "numerator", "denominator", "value", "status",
]  # fmt: skip
# Every measures dataset says which measure, where and when.
NEEDED_COLUMNS = ("measure_id", "geography_code", "period_start")
Geography = Literal["council", "locality", "ward"]
MartsTable = Annotated[str, StringConstraints(pattern=r"^marts\.[a-z][a-z0-9_]*$")]
Mailbox = Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class MeasuresDataset(Model):
    """Agreed measures from marts.fct_measure_values."""

    name: Identifier
    """The file's name in the extract."""
    kind: Literal["measures"]
    description: Text
    measures: Annotated[list[MeasureId], Field(min_length=1)]
    """The measure ids shared (from config/measures/)."""
    columns: Annotated[list[MeasureColumn], Field(min_length=1)]
    """The columns of marts.fct_measure_values shared, in order."""

    @field_validator("measures")
    @classmethod
    def _in_registry(cls, ids: list[str], info: ValidationInfo) -> list[str]:
        known = references(info).measures
        for index, measure_id in enumerate(ids):
            if known is not None and measure_id not in known:
                fail(
                    f"{measure_id!r} is not in the measure registry",
                    str(index),
                    suggest(measure_id, known, cutoff=0.4),
                )
        return ids

    @field_validator("columns")
    @classmethod
    def _says_what_where_when(cls, columns: list[str]) -> list[str]:
        for needed in NEEDED_COLUMNS:
            if needed not in columns:
                fail(f"must include {needed}")
        return columns


class TableDataset(Model):
    """A named marts table, with the columns allowed and their meaning."""

    name: Identifier
    kind: Literal["table"]
    description: Text
    table: MartsTable
    """The table (marts.x)."""
    level: Geography
    """The geography of its rows: the agreement's own."""
    columns: Annotated[dict[Identifier, Text], Field(min_length=1)]
    """Each column shared and its meaning."""
    geography_column: str
    period_column: str | None = None
    count_columns: list[str] = []
    """Columns of counts: suppressed below the threshold unless the agreement says not."""

    @field_validator("columns")
    @classmethod
    def _not_personal(cls, columns: dict[str, str]) -> dict[str, str]:
        from orchestration.lib.publishing import disclosure

        personal = disclosure.personal_columns(columns)
        if personal:
            fail(f"names personal fields, never shared: {', '.join(personal)}")
        return columns

    @model_validator(mode="after")
    def _shared_columns(self) -> TableDataset:
        if self.geography_column not in self.columns:
            fail("must be one of the shared columns", "geography_column")
        if self.period_column is not None and self.period_column not in self.columns:
            fail("must be one of the shared columns", "period_column")
        for index, column in enumerate(self.count_columns):
            if column not in self.columns:
                fail(f"{column!r} must be one of the shared columns", f"count_columns.{index}")
        return self


Dataset = Annotated[MeasuresDataset | TableDataset, Field(discriminator="kind")]


class Disclosure(Model):
    threshold: int | None = Field(default=None, ge=1)
    """Counts below this are suppressed (5 when not given)."""
    suppress_small_counts: bool
    """false only where the agreement entitles the partner to unsuppressed small counts."""


class Periods(Model):
    from_: dt.date = Field(alias="from")
    """The first period shared."""
    to: dt.date | None = None
    """The last period shared (none: up to the latest)."""


class Contact(Model):
    role: Text
    organisation: Text
    mailbox: Mailbox
    """A role mailbox, not a person's."""


class Returns(Model):
    """The partner returns received under the agreement."""

    contract: Text
    """The source contract they are loaded through (config/contracts/<contract>.yml)."""
    partner_code: Text
    measure_codes: list[Text] = []

    @field_validator("contract")
    @classmethod
    def _known_contract(cls, contract: str, info: ValidationInfo) -> str:
        sources = references(info).sources
        if sources is not None and contract not in sources:
            fail(f"no contract config/contracts/{contract}.yml", hint=suggest(contract, sources))
        return contract


class Agreement(Model):
    id: Identifier
    """What `bdc share` and every extract call it."""
    version: int = Field(ge=1)
    """Raised when the signed agreement changes."""
    title: Text
    partner: Text
    purpose: Text
    lawful_basis: Text
    councils: Annotated[list[CouncilCode], Field(min_length=1)]
    datasets: Annotated[list[Dataset], Field(min_length=1)]
    geography: Geography
    """The only level shared: council | locality | ward."""
    disclosure: Disclosure
    frequency: Literal["monthly", "quarterly"]
    periods: Periods
    start: dt.date
    review: dt.date
    expiry: dt.date
    contacts: Annotated[list[Contact], Field(min_length=1)]
    returns: Returns | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Agreement:
        if not self.start <= self.review <= self.expiry:
            fail("dates must run start <= review <= expiry", "review")
        if self.periods.to is not None and self.periods.to < self.periods.from_:
            fail("is before periods.from", "periods.to")
        names: list[str] = []
        for index, dataset in enumerate(self.datasets):
            if dataset.name in names:
                fail(f"two datasets are called {dataset.name!r}", f"datasets.{index}.name")
            names.append(dataset.name)
            if isinstance(dataset, TableDataset) and dataset.level != self.geography:
                fail(
                    f"is {dataset.level} but the agreement allows {self.geography}",
                    f"datasets.{index}.level",
                )
        return self


class SharingRegister(Model):
    """config/sharing_agreements.yml."""

    agreements: list[Agreement]

    @model_validator(mode="after")
    def _unique(self) -> SharingRegister:
        ids: list[str] = []
        for index, agreement in enumerate(self.agreements):
            if agreement.id in ids:
                fail(f"agreement {agreement.id!r} is defined twice", f"agreements.{index}.id")
            ids.append(agreement.id)
        return self
