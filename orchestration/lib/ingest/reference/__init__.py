"""Parsers for the real published reference and performance files (official formats).

Each parser turns one family of official files into one tidy DataFrame whose columns and types
are declared in its `Parser` entry, ready for the transactional loader to COPY into
`raw.<table>`. Which file is which, and where it came from, is in the snapshot's manifest.yml
(`manifest.py`).

    from orchestration.lib.ingest.reference import PARSERS, parse_all
    frames = parse_all()  # from environment.reference_dir()
    frames["stats_recycling"]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.lib import environment
from orchestration.lib.ingest.reference import (
    deprivation,
    flytipping,
    geography,
    homelessness,
    neighbours,
    population,
    recycling,
)
from orchestration.lib.ingest.reference.errors import ReferenceFormatError

__all__ = [
    "PARSERS",
    "Parser",
    "ReferenceFormatError",
    "parse_all",
    "validate_frame",
]


@dataclass(frozen=True)
class Parser:
    """One output table: the official files it reads and how (their provenance is in the
    snapshot's manifest.yml, see manifest.py)."""

    table: str
    files: tuple[str, ...]
    parse: Callable[[Path], pd.DataFrame]
    columns: Mapping[str, str]

    def paths(self, reference_dir: Path) -> list[Path]:
        return [Path(reference_dir) / relative_path for relative_path in self.files]


_REGISTRY = (
    Parser(
        table=homelessness.TABLE,
        files=(homelessness.FILE,),
        parse=homelessness.parse,
        columns=homelessness.COLUMNS,
    ),
    Parser(
        table=flytipping.TABLE,
        files=flytipping.FILES,
        parse=flytipping.parse,
        columns=flytipping.COLUMNS,
    ),
    Parser(
        table=recycling.TABLE,
        files=recycling.FILES,
        parse=recycling.parse,
        columns=recycling.COLUMNS,
    ),
    Parser(
        table=population.TABLE,
        files=population.FILES,
        parse=population.parse,
        columns=population.COLUMNS,
    ),
    Parser(
        table=population.HOUSEHOLDS_TABLE,
        files=(population.HOUSEHOLDS_FILE,),
        parse=population.parse_households,
        columns=population.HOUSEHOLDS_COLUMNS,
    ),
    Parser(
        table=deprivation.TABLE,
        files=deprivation.FILES,
        parse=deprivation.parse,
        columns=deprivation.COLUMNS,
    ),
    Parser(
        table=deprivation.LAD_TABLE,
        files=deprivation.LAD_FILES,
        parse=deprivation.parse_lad,
        columns=deprivation.LAD_COLUMNS,
    ),
    Parser(
        table=geography.TABLE,
        files=(geography.FILE,),
        parse=geography.parse,
        columns=geography.COLUMNS,
    ),
    Parser(
        table=geography.LSOA_BRIDGE_TABLE,
        files=(geography.LSOA_BRIDGE_FILE,),
        parse=geography.parse_lsoa_bridge,
        columns=geography.LSOA_BRIDGE_COLUMNS,
    ),
    Parser(
        table=geography.POSTCODE_TABLE,
        files=geography.POSTCODE_FILES,
        parse=geography.parse_postcode_sectors,
        columns=geography.POSTCODE_COLUMNS,
    ),
    Parser(
        table=neighbours.TABLE,
        files=(neighbours.FILE,),
        parse=neighbours.parse,
        columns=neighbours.COLUMNS,
    ),
)

PARSERS: dict[str, Parser] = {parser.table: parser for parser in _REGISTRY}


_DTYPE_CHECKS: dict[str, Callable[[pd.Series], bool]] = {
    "text": pd.api.types.is_string_dtype,
    "date": pd.api.types.is_datetime64_any_dtype,
    "integer": pd.api.types.is_integer_dtype,
    "numeric": pd.api.types.is_float_dtype,
}


def validate_frame(frame: pd.DataFrame, parser: Parser) -> None:
    """Raise ReferenceFormatError unless frame has exactly the parser's columns and types."""
    if list(frame.columns) != list(parser.columns):
        raise ReferenceFormatError(
            f"Frame for {parser.table} has columns {list(frame.columns)}, "
            f"expected {list(parser.columns)}."
        )
    for name, kind in parser.columns.items():
        if not _DTYPE_CHECKS[kind](frame[name]):
            raise ReferenceFormatError(
                f"Frame for {parser.table} has column {name!r} of type {frame[name].dtype}, "
                f"expected {kind}."
            )


def parse_all(reference_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Every registered table, parsed from reference_dir (default: the configured folder)."""
    folder = Path(reference_dir) if reference_dir is not None else environment.reference_dir()
    frames = {}
    for table, parser in PARSERS.items():
        frame = parser.parse(folder)
        validate_frame(frame, parser)
        frames[table] = frame
    return frames
