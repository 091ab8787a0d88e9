"""The model of the measure registry, config/measures/*.yml (every field in docs/measures.md).

A file has an optional `purpose` (a strategic purpose the file's measures serve), `defaults`
(fields every measure of the file takes unless it says otherwise) and its `measures`. It is
checked in two steps: the file as written (`MeasureFile`, whose measures may leave out what the
defaults give), then each measure with its defaults applied (`MeasureDefinition`, where every
rule between fields holds).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal

from pydantic import Field, ValidationInfo, create_model, field_validator, model_validator

from orchestration.lib.registers.base import (
    CouncilCode,
    MeasureId,
    Model,
    PerCouncilNumber,
    PerCouncilText,
    Text,
    fail,
    references,
)
from orchestration.lib.registers.problems import suggest

Codes = Annotated[list[Text], Field(min_length=1)]
# Where a manual measure's values come from: the officer app's entries.
MANUAL_SOURCE = "input.manual_values"

Kind = Literal["strategic", "operational"]
Unit = Literal["percent", "days", "count", "rate_per_1000", "gbp", "per_100k"]
Polarity = Literal["higher", "lower", "neutral"]
Frequency = Literal["monthly", "quarterly", "annual"]
InputMethod = Literal["derived", "manual"]
SpcProfile = Literal["mdc", "ptd"]
Breakdown = Literal["ward", "locality"]
# How a measure's values accumulate: each period on its own, or a running total for the
# financial year (climbing from April to March, then starting again).
Accumulation = Literal["period", "year_to_date"]
# How its chart reads signals (docs/analysis.md "Which chart fits the data"): a capability
# chart of the values; of each month's change from the same month a year earlier (for running
# totals and strongly seasonal series); or a run chart that reads no signal.
Signals = Literal["xmr", "year_on_year", "none"]
# Where a target comes from, as members read it.
TargetBasis = Literal["national standard", "regulator", "council plan", "service plan"]


class Purpose(Model):
    """A strategic purpose: what the council is for, as residents say it."""

    code: Text
    name: Text
    director: Text
    """The Director who answers for the purpose; its measures' default `director`."""
    description: Text
    sort_order: int
    """Where the purpose comes in packs and on the site."""


class Target(Model):
    value: PerCouncilNumber
    """The target, or one per council ({E07000234: 60, E07000236: 55})."""
    basis: TargetBasis
    """Where it comes from: national standard | regulator | council plan | service plan."""
    source: PerCouncilText
    """The document that sets it."""
    set_by: PerCouncilText
    """Who set it (a body or a post)."""
    set_on: dt.date | None = None
    """The date it was set (needed for a key measure)."""


# The calculation families (docs/measures.md "Calculation families"): the dbt models in
# dbt_project/models/intermediate/measures/ read these parameters from raw.measure_registry.


class Calculation(Model):
    # The raw tables a family's values come from: a measure's `source` must name them.
    reads: ClassVar[frozenset[str]] = frozenset()

    def sources(self) -> set[str]:
        return set(self.reads)


class ContactShare(Calculation):
    reads = frozenset({"crm_contacts"})
    family: Literal["contact_share"]
    numerator: Literal["failure", "first_point", "self_service"]
    services: Codes | None = None
    channels: Codes | None = None


class ContactCount(Calculation):
    reads = frozenset({"crm_contacts"})
    family: Literal["contact_count"]
    services: Codes | None = None
    channels: Codes | None = None
    demand_type: Literal["value", "failure"] | None = None


class DemandPer1000(Calculation):
    reads = frozenset({"crm_contacts", "ref_population"})
    family: Literal["demand_per_1000"]
    services: Codes | None = None


class AddressMatch(Calculation):
    reads = frozenset({"crm_contacts", "gazetteer"})
    family: Literal["address_match"]


class CaseTime(Calculation):
    reads = frozenset({"service_cases", "case_clock_pauses"})
    family: Literal["case_time"]
    case_types: Codes
    statistic: Literal["median", "p85", "mean"]


class CaseWithin(Calculation):
    reads = frozenset({"service_cases", "case_clock_pauses"})
    family: Literal["case_within"]
    case_types: Codes
    days: int = Field(gt=0)
    """Cases done within this many days count."""


class CaseCount(Calculation):
    reads = frozenset({"service_cases"})
    family: Literal["case_count"]
    case_types: Codes
    event: Literal["received", "completed", "open"]


class CostPerTransaction(Calculation):
    reads = frozenset({"finance_ledger", "crm_contacts"})
    family: Literal["cost_per_transaction"]
    services: Codes


class CostOfFailure(Calculation):
    reads = frozenset({"finance_ledger", "crm_contacts"})
    family: Literal["cost_of_failure"]
    services: Codes | None = None


class NetCost(Calculation):
    reads = frozenset({"finance_ledger"})
    family: Literal["net_cost"]
    services: Codes


class BudgetVariance(Calculation):
    reads = frozenset({"finance_ledger"})
    family: Literal["budget_variance"]
    services: Codes | None = None


class Workforce(Calculation):
    reads = frozenset({"hr_enabling"})
    family: Literal["workforce"]
    metric: Literal[
        "sickness_per_fte", "foi_in_time", "complaints", "complaints_in_time", "complaints_upheld"
    ]
    teams: Codes | None = None


class Partner(Calculation):
    reads = frozenset({"partner_returns"})
    family: Literal["partner"]
    measure_code: Text
    """The partner return's measure_code whose values this is."""
    denominator_code: Text | None = None


class Published(Calculation):
    family: Literal["published"]
    table: Literal["stats_homelessness", "stats_flytipping", "stats_recycling"]
    """The published statistics (a reference source) the series is in."""
    series: Text
    denominator_series: Text | None = None
    per_population: bool | None = None
    """Per 1,000 residents (reads ref_population)."""

    def sources(self) -> set[str]:
        return {self.table} | ({"ref_population"} if self.per_population else set())


FAMILIES = (ContactShare, ContactCount, DemandPer1000, AddressMatch, CaseTime, CaseWithin,
            CaseCount, CostPerTransaction, CostOfFailure, NetCost, BudgetVariance, Workforce,
            Partner, Published)  # fmt: skip
AnyCalculation = Annotated[
    ContactShare
    | ContactCount
    | DemandPer1000
    | AddressMatch
    | CaseTime
    | CaseWithin
    | CaseCount
    | CostPerTransaction
    | CostOfFailure
    | NetCost
    | BudgetVariance
    | Workforce
    | Partner
    | Published,
    Field(discriminator="family"),
]
# Every parameter of any family: one calc_<name> column each in raw.measure_registry.
CALCULATION_PARAMETERS = sorted(
    {name for family in FAMILIES for name in family.model_fields} - {"family"}
)


class MeasureDefinition(Model):
    """One measure, its file's defaults applied: every field and every rule between them."""

    id: MeasureId
    """Stable id: lower-case snake case, 3 to 81 characters; never reused."""
    name: PerCouncilText
    kind: Kind
    """strategic (serves a purpose) | operational (a team's or service's)."""
    purpose: Text | None = None
    """The code of the purpose it serves (a strategic measure needs one)."""
    team: PerCouncilText | None = None
    service_area: PerCouncilText | None = None
    locality: PerCouncilText | None = None
    owner: PerCouncilText
    """The post that owns the figure and writes its commentary."""
    manager: PerCouncilText
    director: PerCouncilText
    portfolio: PerCouncilText
    portfolio_holder: PerCouncilText
    definition: PerCouncilText
    numerator: PerCouncilText
    denominator: PerCouncilText | None = None
    unit: Unit
    polarity: Polarity
    """Which way is better: higher | lower | neutral."""
    frequency: Frequency
    data_quality_notes: PerCouncilText
    target: Target | None = None
    no_target_reason: PerCouncilText | None = None
    """Why there is no target (a key measure without one must say)."""
    source: Annotated[list[Text], Field(min_length=1)]
    """The source contracts (raw tables) its values come from; input.manual_values for a
    manual measure."""
    is_public: bool = False
    is_key: bool = False
    comparators: bool = False
    """Compared with the nearest-neighbour councils."""
    input_method: InputMethod = "derived"
    """derived (calculated from the sources) | manual (entered in the officer app)."""
    spc_profile: SpcProfile = "mdc"
    councils: Annotated[list[CouncilCode], Field(min_length=1)]
    """The councils it applies to (both by default)."""
    calculation: AnyCalculation | None = None
    """How a derived measure is calculated: a family and its parameters."""
    breakdowns: list[Breakdown] = []
    accumulation: Accumulation = "period"
    """period | year_to_date (a running total for the financial year)."""
    signals: Signals = "xmr"
    """How its chart reads signals: xmr | year_on_year | none."""
    signals_reason: PerCouncilText | None = None
    """Why its chart is not a capability chart of its values."""

    @field_validator("purpose")
    @classmethod
    def _known_purpose(cls, code: str | None, info: ValidationInfo) -> str | None:
        purposes = references(info).purposes
        if code is not None and purposes is not None and code not in purposes:
            fail(f"{code!r} is not a defined purpose", hint=suggest(code, purposes))
        return code

    @field_validator("source")
    @classmethod
    def _known_sources(cls, names: list[str], info: ValidationInfo) -> list[str]:
        contracts = references(info).sources
        if contracts is None:
            return names
        known = contracts | {MANUAL_SOURCE}
        for index, name in enumerate(names):
            if name not in known:
                fail(
                    f"{name!r} is not a source contract (config/contracts/) or {MANUAL_SOURCE}",
                    str(index),
                    suggest(name, known),
                )
        return names

    @model_validator(mode="after")
    def _rules(self) -> MeasureDefinition:
        if self.kind == "strategic" and not self.purpose:
            fail("a strategic measure needs a purpose", "purpose")
        if self.kind == "operational" and not (self.team or self.service_area):
            fail("an operational measure needs a team or service area", "team")
        self._check_target()
        self._check_signals()
        if self.input_method == "derived":
            if self.calculation is None:
                fail("a derived measure needs a calculation family", "calculation")
            missing = self.calculation.sources() - set(self.source)
            if missing:
                fail(f"must name the raw tables it reads: {sorted(missing)}", "source")
        elif self.calculation is not None:
            fail("a manual measure takes no calculation", "calculation")
        return self

    def _check_target(self) -> None:
        """A target says where it comes from, who set it and when; a key measure without one
        says why."""
        if self.target is not None:
            if self.target.set_on is None and self.is_key:
                fail("a key measure's target needs its date", "target.set_on")
            if self.no_target_reason is not None:
                fail("a measure with a target needs no reason", "no_target_reason")
        elif self.is_key and self.no_target_reason is None:
            fail("is required: a key measure without a target says why", "no_target_reason")

    def _check_signals(self) -> None:
        """A running total is never read as it is: its chart compares each month with the
        same month a year earlier, or reads no signal. A chart reading no signal says why."""
        if self.accumulation == "year_to_date":
            if self.frequency != "monthly":
                fail("a year-to-date measure must be monthly", "accumulation")
            if self.signals == "xmr":
                fail(
                    "a year-to-date value cannot go on a capability chart as it is: use "
                    "year_on_year (or none, with signals_reason)",
                    "signals",
                )
        if self.signals == "year_on_year" and self.frequency != "monthly":
            fail("year_on_year compares months: make it monthly", "signals")
        needs_reason = self.signals != "xmr" and self.accumulation != "year_to_date"
        if needs_reason and self.signals_reason is None:
            fail(f"is required: say why its chart reads {self.signals}", "signals_reason")


def _optional(model: type[Model], name: str, doc: str, leave_out: set[str]) -> type[Model]:
    """The model with every field optional and without defaults of its own: what a file's
    `defaults`, or one measure as written, may hold."""
    fields = {
        # the field's type with its constraints and validators (pydantic keeps them apart)
        field: (
            (Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation)
            | None,
            Field(None, description=info.description),
        )
        for field, info in model.model_fields.items()
        if field not in leave_out
    }
    return create_model(name, __base__=Model, __doc__=doc, **fields)


MeasureDefaults = _optional(
    MeasureDefinition,
    "MeasureDefaults",
    "Fields every measure of the file takes unless it gives its own.",
    {"id"},
)
MeasureEntry = create_model(
    "MeasureEntry",
    __base__=MeasureDefaults,
    __doc__="One measure as written: its own fields; the file's defaults fill the rest.",
    id=(MeasureId, Field(description=MeasureDefinition.model_fields["id"].description)),
)


class MeasureFile(Model):
    """One file of config/measures/."""

    purpose: Purpose | None = None
    """The strategic purpose this file's measures serve (its code and Director become their
    defaults)."""
    defaults: MeasureDefaults | None = None  # type: ignore[valid-type]
    measures: list[MeasureEntry]  # type: ignore[valid-type]
