"""What every register's model shares: the base model (no unknown keys), the common types
(non-empty text, identifiers, council codes, values per council) and the cross-references
between registers.

A cross-reference (a council code, a measure id, a source) is checked against `References`,
passed as the validation context: each loader passes what the other registers hold, and a
reference whose kind is not given (None) is not checked (as when a test parses a trial on its
own).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Strict,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    WrapValidator,
)
from pydantic.functional_validators import AfterValidator
from pydantic_core import PydanticCustomError

from orchestration.lib.registers.problems import suggest


class Model(BaseModel):
    """A register's mapping: every key is a declared field; values are not changed after load.
    Each field's docstring is its description in the JSON Schema, shown by editors."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


@dataclass(frozen=True)
class References:
    """What the other registers hold, for cross-checks; None: not checked."""

    councils: frozenset[str] | None = None
    # the source contracts, and each one's column names
    sources: frozenset[str] | None = None
    source_columns: dict[str, frozenset[str]] | None = None
    # measure id -> the councils it applies to
    measures: dict[str, frozenset[str]] | None = None
    purposes: frozenset[str] | None = None
    # the codes a case end-to-end series (case_e2e:<service>:<case_type>) may name
    case_services: frozenset[str] | None = None
    case_types: frozenset[str] | None = None


def references(info: ValidationInfo) -> References:
    context = info.context
    return context if isinstance(context, References) else References()


def fail(message: str, field: str | None = None, hint: str = ""):
    """Raise a register problem from a validator; `field` (dotted) points below the value."""
    context: dict[str, Any] = {}
    if field:
        context["field"] = field
    if hint:
        context["hint"] = hint
    raise PydanticCustomError("register", message, context)


# Text a person reads: never empty, surrounding spaces dropped.
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

# Stable ids (agreements, datasets, columns): lower_snake_case.
IDENTIFIER = r"^[a-z][a-z0-9_]*$"
Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER)]
MEASURE_ID = r"^[a-z][a-z0-9_]{2,80}$"
MeasureId = Annotated[str, StringConstraints(pattern=MEASURE_ID)]


# An ONS (GSS) code.
GSS_CODE = r"^[EWSN][0-9]{8}$"


def _known_council(code: str, info: ValidationInfo) -> str:
    councils = references(info).councils
    if councils is not None and code not in councils:
        fail(
            f"{code!r} is not a council of config/councils.yml ({', '.join(sorted(councils))})",
            hint=suggest(code, councils, cutoff=0.5),
        )
    if councils is None and not re.match(GSS_CODE, code):
        fail(f"must be a council's ONS code, such as E07000234, not {code!r}")
    return code


# One of config/councils.yml (when that is known, with the nearest code if mistyped).
CouncilCode = Annotated[
    str, AfterValidator(_known_council), WithJsonSchema({"type": "string", "pattern": GSS_CODE})
]


def _known_measure(measure_id: str, info: ValidationInfo) -> str:
    measures = references(info).measures
    if measures is not None and measure_id not in measures:
        fail(
            f"{measure_id!r} is not in the measure registry",
            hint=suggest(measure_id, measures, cutoff=0.4),
        )
    if measures is None and not re.match(MEASURE_ID, measure_id):
        fail(f"must be lower-case snake case, 3 to 81 characters, not {measure_id!r}")
    return measure_id


# A measure of the registry, when the registry is known. (The pattern is for editors: a
# mistyped id is checked here, to suggest the nearest real one.)
MeasureRef = Annotated[
    str, AfterValidator(_known_measure), WithJsonSchema({"type": "string", "pattern": MEASURE_ID})
]

CASE_SERIES = re.compile(r"^case_e2e:([a-z_]+):([a-z_]+)$")
SERIES_ID = rf"^({MEASURE_ID[1:-1]}|{CASE_SERIES.pattern[1:-1]})$"


def _known_series(series_id: str, info: ValidationInfo) -> str:
    case = CASE_SERIES.match(series_id)
    if case is None:
        return _known_measure(series_id, info)
    refs = references(info)
    for code, known, words in (
        (case.group(1), refs.case_services, "service"),
        (case.group(2), refs.case_types, "case type"),
    ):
        if known is not None and code not in known:
            fail(
                f"{code!r} in {series_id!r} is not a {words} of the service_cases contract",
                hint=suggest(code, known),
            )
    return series_id


# A measure id, or case_e2e:<service>:<case_type> for a service's case end-to-end chart.
SeriesRef = Annotated[
    str, AfterValidator(_known_series), WithJsonSchema({"type": "string", "pattern": SERIES_ID})
]


def check_council_of(measure_id: str, council: str, info: ValidationInfo, field: str) -> None:
    """A measure named for a council must apply to that council."""
    councils = (references(info).measures or {}).get(measure_id)
    if councils is not None and council not in councils:
        fail(f"measure {measure_id!r} does not apply to {council}", field)


def _one_error(words: str):
    """A value that may be one thing or one per council reports one plain error, not one per
    shape it might have had; a per-council mapping names the council that is wrong."""

    def validate(value, handler, info: ValidationInfo):
        try:
            result = handler(value)
        except ValidationError as error:
            if not isinstance(value, dict):
                fail(f"must be {words}, or one for each council ({_council_list(info)})")
            # The per-council shape was meant: say which council's entry is wrong.
            errors = error.errors()
            first = next((e for e in errors if str(e["loc"][:1]).startswith("('dict")), errors[0])
            council = str(first["loc"][1]) if len(first["loc"]) > 1 else None
            if first["type"] == "register":
                fail(first["msg"], council, (first.get("ctx") or {}).get("hint", ""))
            if first["type"] == "string_too_short":
                fail("is required (it is empty)", council)
            fail(f"must be {words}", council)
        councils = references(info).councils
        if isinstance(result, dict) and councils is not None and set(result) != councils:
            missing = ", ".join(sorted(councils - set(result)))
            fail(f"a value for each council needs {missing} too")
        return result

    return WrapValidator(validate)


def _council_list(info: ValidationInfo) -> str:
    councils = references(info).councils
    return ", ".join(sorted(councils)) if councils else "each council code"


# A value that is the same for every council, or one per council ({E07000234: ..., ...}).
PerCouncilText = Annotated[Text | dict[CouncilCode, Text], _one_error("text")]
Number = Annotated[float, Strict()]  # a number as written: not true/false, not "60"
PerCouncilNumber = Annotated[Number | dict[CouncilCode, Number], _one_error("a number")]


def for_council(value, council: str):
    """The value for one council of a PerCouncil field."""
    return value.get(council) if isinstance(value, dict) else value
