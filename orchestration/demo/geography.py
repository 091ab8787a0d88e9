"""Wards, LSOAs and the address gazetteer the synthetic sources are drawn from.

With a reference folder the real Bromsgrove and Redditch LSOA21 -> ward24 lookup and the real
IoD 2025 LSOA scores are used; without one, 30 wards a council are synthesised.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Council:
    code: str
    name: str
    short: str
    households: int
    population: int
    postcode_districts: tuple[str, ...]
    uprn_base: int


# Households and residents from Census 2021 (first results H01, TS009), rounded.
COUNCILS: tuple[Council, ...] = (
    Council(
        "E07000234",
        "Bromsgrove",
        "BDC",
        41_300,
        99_200,
        ("B60", "B61", "B45", "B47", "B48"),
        100_120_000_000,
    ),
    Council("E07000236", "Redditch", "RBC", 36_400, 87_000, ("B97", "B98"), 100_121_000_000),
)
COUNCIL_CODES = tuple(c.code for c in COUNCILS)
LOOKUP_FILE = Path("geography/lookup_lsoa21_ward24_ltla24_worcs.csv")
IOD_FILE = Path("deprivation/iod2025_file7_scores_ranks_deciles_lsoa21_worcs.csv")

# Localities group the real wards (fallback: wards not listed go to the council's first one).
REAL_LOCALITIES: dict[str, tuple[str, ...]] = {
    "Bromsgrove Town": (
        "Aston Fields",
        "Avoncroft",
        "Bromsgrove Central",
        "Charford",
        "Hill Top",
        "Lowes Hill",
        "Norton",
        "Perryfields",
        "Rock Hill",
        "Sanders Park",
        "Sidemoor",
        "Slideslow",
    ),
    "Wythall and Hollywood": ("Wythall East", "Wythall West", "Hollywood", "Drakes Cross"),
    "Rubery and Lickey": ("Rubery North", "Rubery South", "Cofton", "Lickey Hills", "Marlbrook"),
    "Hagley and Catshill": (
        "Hagley East",
        "Hagley West",
        "Belbroughton & Romsley",
        "Catshill North",
        "Catshill South",
    ),
    "Alvechurch and Tardebigge": (
        "Alvechurch South",
        "Alvechurch Village",
        "Barnt Green & Hopwood",
        "Tardebigge",
    ),
    "Redditch North": ("North", "Batchley & Brockhill"),
    "Redditch East": ("Winyates", "Matchborough & Woodrow", "Greenlands & Lakeside"),
    "Redditch Central": ("Central",),
    "Redditch South": ("Headless Cross & Oakenshaw", "Astwood Bank & Feckenham"),
    "Redditch West": ("Webheath & Callow Hill",),
}
_STREETS = (
    "Oak Road",
    "Church Lane",
    "Mill Street",
    "Station Road",
    "Park Avenue",
    "Victoria Road",
    "School Lane",
    "The Crescent",
    "Meadow Close",
    "Hill Road",
    "Birch Drive",
    "Willow Way",
    "Kidderminster Road",
    "Worcester Road",
    "Birmingham Road",
    "New Road",
    "Green Lane",
    "Orchard Close",
    "Chestnut Grove",
    "Manor Road",
)
_POSTCODE_LETTERS = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


@dataclass
class Geography:
    wards: pd.DataFrame  # council_code, ward_code, ward_name, locality
    lsoas: pd.DataFrame  # lsoa_code, ward_code, council_code, imd_score, imd_decile, households,
    #                      population, deprivation_z
    uprns: np.ndarray  # the gazetteer's UPRNs, by LSOA position, residential before commercial
    residential_start: np.ndarray  # per LSOA: first gazetteer row of its residential addresses
    residential_count: np.ndarray
    commercial_start: np.ndarray
    commercial_count: np.ndarray

    def council_index(self) -> np.ndarray:
        return np.searchsorted(np.array(COUNCIL_CODES), self.lsoas["council_code"].to_numpy())

    def sample_uprns(
        self, rng: np.random.Generator, lsoa_index: np.ndarray, commercial: np.ndarray
    ) -> np.ndarray:
        """One gazetteer UPRN per record, uniformly within the record's LSOA and address type."""
        start = np.where(
            commercial, self.commercial_start[lsoa_index], self.residential_start[lsoa_index]
        )
        count = np.where(
            commercial, self.commercial_count[lsoa_index], self.residential_count[lsoa_index]
        )
        offset = np.floor(rng.random(len(lsoa_index)) * count).astype(np.int64)
        return self.uprns[start + offset]


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        return list(csv.DictReader(handle))


def _real_areas(reference_dir: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    lookup = [
        r for r in _read_csv(reference_dir / LOOKUP_FILE) if r["ltla24_code"] in COUNCIL_CODES
    ]
    iod = {r["lsoa21_code"]: r for r in _read_csv(reference_dir / IOD_FILE)}
    locality_of = {w: loc for loc, wards in REAL_LOCALITIES.items() for w in wards}
    lsoas = pd.DataFrame(
        {
            "lsoa_code": [r["lsoa21_code"] for r in lookup],
            "ward_code": [r["ward24_code"] for r in lookup],
            "council_code": [r["ltla24_code"] for r in lookup],
            "imd_score": [float(iod[r["lsoa21_code"]]["IMD_score"]) for r in lookup],
            "imd_decile": [int(iod[r["lsoa21_code"]]["IMD_decile"]) for r in lookup],
        }
    )
    first_locality = {
        c.code: next(
            loc
            for loc, wards in REAL_LOCALITIES.items()
            if loc.startswith("Redditch") == (c.name == "Redditch")
        )
        for c in COUNCILS
    }
    wards = (
        pd.DataFrame(
            {
                "council_code": [r["ltla24_code"] for r in lookup],
                "ward_code": [r["ward24_code"] for r in lookup],
                "ward_name": [r["ward24_name"] for r in lookup],
            }
        )
        .drop_duplicates()
        .reset_index(drop=True)
    )
    wards["locality"] = [
        locality_of.get(name, first_locality[code])
        for name, code in zip(wards["ward_name"], wards["council_code"], strict=True)
    ]
    return wards, lsoas


def _add_households(rng: np.random.Generator, lsoas: pd.DataFrame) -> pd.DataFrame:
    lsoas = lsoas.copy()
    households = np.zeros(len(lsoas), dtype=np.int64)
    population = np.zeros(len(lsoas), dtype=np.int64)
    for council in COUNCILS:
        mask = (lsoas["council_code"] == council.code).to_numpy()
        weight = np.exp(0.15 * rng.standard_normal(mask.sum()))
        share = weight / weight.sum()
        households[mask] = np.round(share * council.households)
        population[mask] = np.round(share * council.population)
    lsoas["households"] = households
    lsoas["population"] = population
    log_score = np.log(lsoas["imd_score"].clip(lower=0.5))
    lsoas["deprivation_z"] = (log_score - log_score.mean()) / log_score.std()
    return lsoas


def _gazetteer(
    rng: np.random.Generator, wards: pd.DataFrame, lsoas: pd.DataFrame, scale: float
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    residential = np.maximum(3, np.round(lsoas["households"].to_numpy() * scale)).astype(np.int64)
    commercial_rate = 0.04 + 0.06 * (lsoas["deprivation_z"].to_numpy() > 0.5)
    commercial = np.maximum(1, np.round(residential * commercial_rate)).astype(np.int64)
    per_lsoa = residential + commercial
    total = int(per_lsoa.sum())
    lsoa_index = np.repeat(np.arange(len(lsoas)), per_lsoa)
    lsoa_start = np.concatenate([[0], np.cumsum(per_lsoa)[:-1]])
    position = np.arange(total) - lsoa_start[lsoa_index]
    is_commercial = position >= residential[lsoa_index]

    ward_info = wards.set_index("ward_code")
    council_of = lsoas["council_code"].to_numpy()[lsoa_index]
    ward_of = lsoas["ward_code"].to_numpy()[lsoa_index]
    uprn = np.zeros(total, dtype=np.int64)
    postcode = np.empty(total, dtype=object)
    ward_position = {code: i for i, code in enumerate(wards["ward_code"])}
    # Gaps of 1-39 between neighbouring UPRNs, narrower above scale 1 so a council's UPRNs stay
    # within the million below the next council's base (with the full width, large scales would
    # overlap the next council's UPRNs, and the gazetteer would be refused for duplicate keys).
    widest_gap = max(2, round(40 / max(scale, 1.0)))
    for council in COUNCILS:
        mask = council_of == council.code
        uprn[mask] = council.uprn_base + np.cumsum(rng.integers(1, widest_gap, mask.sum()))
        district = np.array(council.postcode_districts)[
            np.array([ward_position[w] for w in ward_of[mask]]) % len(council.postcode_districts)
        ]
        sector = (lsoa_index[mask] % 9) + 1
        unit = position[mask] // 15
        letters = _POSTCODE_LETTERS[(unit * 7 + lsoa_index[mask]) % 20].astype(
            object
        ) + _POSTCODE_LETTERS[(unit + lsoa_index[mask] * 3) % 20].astype(object)
        postcode[mask] = district.astype(object) + " " + sector.astype(str).astype(object) + letters

    street = np.array(_STREETS, dtype=object)[(lsoa_index * 3 + position // 40) % len(_STREETS)]
    number = (position % 40 + 1).astype(str).astype(object)
    address_line_1 = np.where(is_commercial, "Unit " + number, number) + " " + street
    gazetteer = pd.DataFrame(
        {
            "uprn": uprn,
            "council_code": council_of,
            "postcode": postcode,
            "ward_code": ward_of,
            "ward_name": ward_info.loc[ward_of, "ward_name"].to_numpy(),
            "lsoa_code": lsoas["lsoa_code"].to_numpy()[lsoa_index],
            "locality": ward_info.loc[ward_of, "locality"].to_numpy(),
            "address_type": np.where(is_commercial, "commercial", "residential"),
            "address_line_1": address_line_1,
            "street": street,
            "town": np.where(council_of == COUNCILS[0].code, COUNCILS[0].name, COUNCILS[1].name),
        }
    )
    return gazetteer, lsoa_start, residential, lsoa_start + residential, commercial


def build_geography(seed: int, scale: float, reference_dir: Path) -> tuple[Geography, pd.DataFrame]:
    """The areas the demo is drawn from (the real wards and LSOAs of the published lookup, with
    their IoD 2025 scores), and the gazetteer (written once, then not kept)."""
    rng = np.random.default_rng([seed, 1])
    wards, lsoas = _real_areas(reference_dir)
    order = np.lexsort((lsoas["lsoa_code"].to_numpy(), lsoas["council_code"].to_numpy()))
    lsoas = _add_households(rng, lsoas.iloc[order].reset_index(drop=True))
    wards = wards.sort_values(["council_code", "ward_code"]).reset_index(drop=True)
    gazetteer, res_start, res_count, com_start, com_count = _gazetteer(rng, wards, lsoas, scale)
    return Geography(
        wards=wards,
        lsoas=lsoas,
        uprns=gazetteer["uprn"].to_numpy(),
        residential_start=res_start,
        residential_count=res_count,
        commercial_start=com_start,
        commercial_count=com_count,
    ), gazetteer
