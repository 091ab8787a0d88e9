"""The register of data-sharing agreements (config/sharing_agreements.yml), validated on load.

Every partner extract and every partner return is traceable to one agreement here. The register
is versioned data: git history is its audit trail, and each agreement carries its own `version`,
which every extract records. A problem in the file is reported naming the agreement and field.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from orchestration.lib import environment, yamlfiles
from orchestration.lib.publishing import disclosure
from orchestration.lib.registers import known, validate
from orchestration.lib.registers.base import References
from orchestration.lib.registers.problems import RegisterError
from orchestration.lib.registers.sharing import MEASURE_COLUMNS, SharingRegister, TableDataset

__all__ = ["MEASURE_COLUMNS", "Agreement", "AgreementError", "Register", "load_register"]

FLAG_WITHIN_DAYS = 60

# The register breaks its rules: the one error of every register, by its old name.
AgreementError = RegisterError


class AgreementNotFound(KeyError):
    """No agreement of that id in the register."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Dataset:
    """One file of an extract: agreed measures from fct_measure_values, or a named marts table."""

    name: str
    kind: str  # measures | table
    description: str
    columns: dict[str, str]  # column -> meaning, in output order
    measures: tuple[str, ...] = ()
    table: str | None = None
    geography_column: str | None = None
    period_column: str | None = None
    count_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class Returns:
    """The partner returns an agreement receives: through which contract, from which partner."""

    contract: str
    partner_code: str
    measure_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Status:
    state: str  # in_force | expired | not_started
    flags: tuple[str, ...] = ()  # review_due, expiring_soon
    message: str = ""

    @property
    def in_force(self) -> bool:
        return self.state == "in_force"

    @property
    def label(self) -> str:
        return ", ".join((self.state, *self.flags))


@dataclass(frozen=True)
class Agreement:
    id: str
    version: int
    title: str
    partner: str
    purpose: str
    lawful_basis: str
    councils: tuple[str, ...]
    datasets: tuple[Dataset, ...]
    geography: str
    threshold: int
    suppress_small_counts: bool
    frequency: str
    period_from: dt.date
    period_to: dt.date | None
    start: dt.date
    review: dt.date
    expiry: dt.date
    contacts: tuple[dict, ...]
    returns: Returns | None = None
    notes: str = ""

    def status(self, today: dt.date | None = None, within_days: int = FLAG_WITHIN_DAYS) -> Status:
        """Whether the agreement is in force today, and whether review or expiry is near."""
        today = today or london_today()
        if today < self.start:
            return Status(
                "not_started",
                message=f"agreement {self.id} starts on {self.start:%d %B %Y}; "
                "nothing may be shared before then",
            )
        if today > self.expiry:
            return Status(
                "expired",
                message=f"agreement {self.id} expired on {self.expiry:%d %B %Y}; renew it in "
                "config/sharing_agreements.yml before sharing again",
            )
        flags, notes = [], []
        horizon = today + dt.timedelta(days=within_days)
        if self.review <= horizon:
            flags.append("review_due")
            when = "was due" if self.review < today else "is due"
            notes.append(f"review {when} on {self.review:%d %B %Y}")
        if self.expiry <= horizon:
            flags.append("expiring_soon")
            notes.append(f"expires on {self.expiry:%d %B %Y}")
        message = f"agreement {self.id} is in force" + (f"; {'; '.join(notes)}" if notes else "")
        return Status("in_force", tuple(flags), message)


@dataclass(frozen=True)
class Register:
    agreements: tuple[Agreement, ...]
    path: Path | None = None

    def get(self, agreement_id: str) -> Agreement:
        for agreement in self.agreements:
            if agreement.id == agreement_id:
                return agreement
        known = ", ".join(a.id for a in self.agreements) or "none"
        raise AgreementNotFound(
            f"there is no data-sharing agreement '{agreement_id}' in the register "
            f"(known: {known}); nothing may be shared without one"
        )

    def for_returns(self, partner_code: str) -> list[Agreement]:
        return [a for a in self.agreements if a.returns and a.returns.partner_code == partner_code]


def london_today() -> dt.date:
    return dt.datetime.now(ZoneInfo(environment.TIMEZONE)).date()


def register_path() -> Path:
    return environment.config_dir() / "sharing_agreements.yml"


def _terms(model) -> Agreement:
    """The validated entry as the terms extracts and returns use."""
    datasets = []
    for dataset in model.datasets:
        if isinstance(dataset, TableDataset):
            datasets.append(
                Dataset(
                    name=dataset.name,
                    kind=dataset.kind,
                    description=dataset.description,
                    columns=dict(dataset.columns),
                    table=dataset.table,
                    geography_column=dataset.geography_column,
                    period_column=dataset.period_column,
                    count_columns=tuple(dataset.count_columns),
                )
            )
        else:
            datasets.append(
                Dataset(
                    name=dataset.name,
                    kind=dataset.kind,
                    description=dataset.description,
                    columns={column: MEASURE_COLUMNS[column] for column in dataset.columns},
                    measures=tuple(dataset.measures),
                )
            )
    returns = model.returns
    threshold = model.disclosure.threshold
    return Agreement(
        id=model.id,
        version=model.version,
        title=model.title,
        partner=model.partner,
        purpose=model.purpose,
        lawful_basis=model.lawful_basis,
        councils=tuple(model.councils),
        datasets=tuple(datasets),
        geography=model.geography,
        threshold=disclosure.DEFAULT_THRESHOLD if threshold is None else threshold,
        suppress_small_counts=model.disclosure.suppress_small_counts,
        frequency=model.frequency,
        period_from=model.periods.from_,
        period_to=model.periods.to,
        start=model.start,
        review=model.review,
        expiry=model.expiry,
        contacts=tuple(contact.model_dump() for contact in model.contacts),
        returns=None
        if returns is None
        else Returns(returns.contract, returns.partner_code, tuple(returns.measure_codes)),
        notes=model.notes or "",
    )


def parse_register(data, refs: References | None = None, path: Path | None = None) -> Register:
    """The register from data already read (a test's, the officer app's); council codes are
    checked against config/councils.yml unless `refs` says otherwise."""
    refs = refs or References(councils=frozenset(environment.councils()))
    document = yamlfiles.unread(path or register_path(), data)
    return Register(_parse(document, refs), path)


def _parse(document: yamlfiles.Document, refs: References) -> tuple[Agreement, ...]:
    model = validate.load(document, SharingRegister, refs)
    return tuple(_terms(agreement) for agreement in model.agreements)


def load_register(
    path: Path | None = None, check_references: bool = True, refs: References | None = None
) -> Register:
    """Read and validate the register; measure ids and contracts checked against config/
    (or `refs`); check_references=False: only council codes, for a page that lists them."""
    path = Path(path or register_path())
    if refs is None:
        refs = known.references(measures=check_references)
    if not check_references:
        refs = References(councils=refs.councils)
    return Register(_parse(yamlfiles.read(path), refs), path)


@dataclass
class StatusLine:
    agreement: Agreement
    status: Status = field(default_factory=lambda: Status("in_force"))

    def as_line(self) -> str:
        a = self.agreement
        return (
            f"{a.id:<28} {self.status.label:<30} {a.partner} ({a.geography}, {a.frequency}; "
            f"review {a.review:%d %b %Y}, expires {a.expiry:%d %b %Y})"
        )


def status_lines(register: Register, today: dt.date | None = None) -> list[StatusLine]:
    return [StatusLine(a, a.status(today)) for a in register.agreements]
