"""Parsers for the real published reference and performance files (official formats).

Each parser turns one family of official files into one tidy DataFrame whose columns and types
are declared in its `Parser` entry, ready for the transactional loader to COPY into
`raw.<table>`. The synthetic fallback produces the same shapes.

    from orchestration.lib.reference import PARSERS, parse_all, default_reference_dir
    frames = parse_all(default_reference_dir())
    frames["stats_recycling"]
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from orchestration.lib.reference import (
    deprivation,
    flytipping,
    geography,
    homelessness,
    population,
    recycling,
)
from orchestration.lib.reference.common import OGL
from orchestration.lib.reference.errors import ReferenceFormatError

__all__ = [
    "PARSERS",
    "Parser",
    "ReferenceFormatError",
    "default_reference_dir",
    "parse_all",
    "validate_frame",
]

ONS_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the OGL v3.0. "
    "Contains OS data © Crown copyright and database right"
)
_MHCLG = "Ministry of Housing, Communities and Local Government (MHCLG, formerly DLUHC)"
_DEFRA = "Department for Environment, Food and Rural Affairs (Defra)"
_ONS = "Office for National Statistics (ONS)"
_IMD_REPO = "https://github.com/humaniverse/IMD/tree/2f6c9050afee99a40041eb63b02b6b0c58850704"
_GEOGRAPHR = (
    "https://github.com/humaniverse/geographr/tree/c026be5cc76cb576358082b53f1f13d69ab577ae"
)
_DEMOGRAPHR = (
    "https://github.com/humaniverse/demographr/tree/d0417101e5cad5fe1eca059ac60859e9157a29d2"
)


@dataclass(frozen=True)
class Parser:
    """One output table: the official files it reads and how, with provenance."""

    table: str
    files: tuple[str, ...]
    parse: Callable[[Path], pd.DataFrame]
    columns: Mapping[str, str]
    publisher: str
    source_title: str
    # The public repositories (at the commit in SOURCES.md) that carried the official files.
    source_urls: tuple[str, ...]
    licence: str = OGL
    attribution: str = ""

    @property
    def source_url(self) -> str:
        return self.source_urls[0]

    def paths(self, reference_dir: Path) -> list[Path]:
        return [Path(reference_dir) / relative_path for relative_path in self.files]


_REGISTRY = (
    Parser(
        table=homelessness.TABLE,
        files=(homelessness.FILE,),
        parse=homelessness.parse,
        columns=homelessness.COLUMNS,
        publisher=_MHCLG,
        source_title=(
            "Statutory homelessness: detailed local authority-level tables (H-CLIC), "
            "tables A1, TA1, P1, R1, MD1, April-June 2018 to October-December 2025"
        ),
        source_urls=(
            "https://github.com/MastodonC/witan.homelessness.benchmarking/tree/"
            "1c9c24bca478fb710da00890c313a8e1b85d4b0b/resources/homelessness-statistics",
        ),
    ),
    Parser(
        table=flytipping.TABLE,
        files=flytipping.FILES,
        parse=flytipping.parse,
        columns=flytipping.COLUMNS,
        publisher=_DEFRA,
        source_title=(
            "ENV24 Fly-tipping incidents and actions reported by local authorities in England, "
            "2012-13 to 2021-22 (sheets LA_incidents and LA_actions)"
        ),
        source_urls=(
            "https://github.com/FemShow/flytipping/tree/6dc316c22915545c983ac0afdcfa0b56352d32e4",
        ),
    ),
    Parser(
        table=recycling.TABLE,
        files=recycling.FILES,
        parse=recycling.parse,
        columns=recycling.COLUMNS,
        publisher=_DEFRA,
        source_title=(
            "ENV18 Local authority collected waste management - annual results: Table 3 "
            "household waste recycling rate (Ex NI192) 2015/16-2023/24 and LA collected waste "
            "tonnages 2014-15 to 2017-18"
        ),
        source_urls=(
            "https://github.com/traffordDataLab/climate_emergency/tree/"
            "9c89b7b41eaf274c600b1866e06a5db52418a5ca/data",
            "https://github.com/nsynes/rshiny-uk-recycling/tree/"
            "9ad3fa7c2943a04383ea80e30b39607b2bfd9ef7/data",
        ),
    ),
    Parser(
        table=population.TABLE,
        files=population.FILES,
        parse=population.parse,
        columns=population.COLUMNS,
        publisher=_ONS,
        source_title=(
            "Mid-year population estimates (MYE2, LAD, mid-2019 and mid-2020), Small Area "
            "Population Estimates (LSOA 2011, mid-2017/2019/2020) and Census 2021 TS009 totals"
        ),
        source_urls=(_DEMOGRAPHR,),
        attribution=ONS_ATTRIBUTION,
    ),
    Parser(
        table=population.HOUSEHOLDS_TABLE,
        files=(population.HOUSEHOLDS_FILE,),
        parse=population.parse_households,
        columns=population.HOUSEHOLDS_COLUMNS,
        publisher=_ONS,
        source_title="Census 2021 first results: population and household estimates, table H01",
        source_urls=(_DEMOGRAPHR,),
        attribution=ONS_ATTRIBUTION,
    ),
    Parser(
        table=deprivation.TABLE,
        files=deprivation.FILES,
        parse=deprivation.parse,
        columns=deprivation.COLUMNS,
        publisher=_MHCLG,
        source_title=(
            "English Indices of Deprivation 2019 File 2 (ranks and deciles, LSOA 2011) and "
            "English Indices of Deprivation 2025 File 7 (scores, ranks, deciles, LSOA 2021)"
        ),
        source_urls=(
            "https://github.com/anetobradley/energy_flex/tree/"
            "709f2f8b79a86e273a86f6c7324f4fc2b1aeeefd/02-EnergyModel/Energy_Intensity_Analysis/"
            "data/imd",
            _IMD_REPO,
        ),
    ),
    Parser(
        table=deprivation.LAD_TABLE,
        files=deprivation.LAD_FILES,
        parse=deprivation.parse_lad,
        columns=deprivation.LAD_COLUMNS,
        publisher=_MHCLG,
        source_title=(
            "English Indices of Deprivation 2019 and 2025, File 10: local authority district "
            "summaries (lower-tier)"
        ),
        source_urls=(_IMD_REPO,),
    ),
    Parser(
        table=geography.TABLE,
        files=(geography.FILE,),
        parse=geography.parse,
        columns=geography.COLUMNS,
        publisher=_ONS,
        source_title=(
            "LSOA (2021) to Electoral Ward (2024) to LAD (2024) Best Fit Lookup in England and "
            "Wales (ONS Geoportal)"
        ),
        source_urls=(_GEOGRAPHR,),
        attribution=ONS_ATTRIBUTION,
    ),
    Parser(
        table=geography.LSOA_BRIDGE_TABLE,
        files=(geography.LSOA_BRIDGE_FILE,),
        parse=geography.parse_lsoa_bridge,
        columns=geography.LSOA_BRIDGE_COLUMNS,
        publisher=_ONS,
        source_title=(
            "LSOA (2011) to LSOA (2021) to LAD (2022) Lookup for England and Wales v2 "
            "(ONS Geoportal)"
        ),
        source_urls=(_GEOGRAPHR,),
        attribution=ONS_ATTRIBUTION,
    ),
)

PARSERS: dict[str, Parser] = {parser.table: parser for parser in _REGISTRY}

_REPO_ROOT = Path(__file__).resolve().parents[3]


def default_reference_dir() -> Path:
    """BDC_REFERENCE_DIR if set, else the shared public data folder beside the repository."""
    configured = os.environ.get("BDC_REFERENCE_DIR")
    if configured:
        return Path(configured)
    return _REPO_ROOT.parent / "shared" / "data" / "public"


_DTYPE_CHECKS: dict[str, Callable[[pd.Series], bool]] = {
    "text": pd.api.types.is_string_dtype,
    "date": pd.api.types.is_datetime64_any_dtype,
    "integer": pd.api.types.is_integer_dtype,
    "numeric": pd.api.types.is_float_dtype,
}


def validate_frame(frame: pd.DataFrame, parser: Parser) -> None:
    """Raise ReferenceFormatError unless frame has exactly the parser's columns and types.

    The synthetic fallback can call this too, so both sources give the loader the same shape.
    """
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
    """Every registered table, parsed from reference_dir (default: default_reference_dir())."""
    folder = Path(reference_dir) if reference_dir is not None else default_reference_dir()
    frames = {}
    for table, parser in PARSERS.items():
        frame = parser.parse(folder)
        validate_frame(frame, parser)
        frames[table] = frame
    return frames
