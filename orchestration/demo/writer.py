"""Deterministic CSV output in the landing-zone conventions (UTF-8, ISO dates, true/false)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a frame: booleans as true/false, nulls as empty strings, Unix line ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column]):
            out[column] = out[column].map({True: "true", False: "false"})
    out.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", na_rep="")
    return path


def monthly_path(out_dir: Path, source: str, label: str) -> Path:
    return out_dir / source / f"{source}_{label}.csv"


def static_path(out_dir: Path, source: str) -> Path:
    return out_dir / source / f"{source}.csv"
