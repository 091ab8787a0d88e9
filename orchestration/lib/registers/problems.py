"""A problem in a register, said as where (file, line, column), what, and a suggestion; and the
one error every register's loader raises with them."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# Listed in an error message before "and N more": `bdc config check` lists them all.
SHOWN = 10


def display(path: Path) -> str:
    """The path as the person typed it: relative to the current folder when inside it."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    column: int | None
    message: str
    hint: str = ""  # "did you mean ...?": what the person probably meant

    @property
    def where(self) -> str:
        """ "config/trials.yml, line 12, column 9": a form editors' terminals open at the line."""
        parts = [display(self.path)]
        if self.line is not None:
            parts.append(f"line {self.line}")
            if self.column is not None:
                parts.append(f"column {self.column}")
        return ", ".join(parts)

    def __str__(self) -> str:
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.where}: {self.message}{hint}"


class RegisterError(ValueError):
    """A register (config/*.yml) that breaks its rules: every problem found, each with its file,
    line and what to do. The loaders' own names for it (RegistryError, AgreementError,
    FocusError, ...) are this class."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__(self._text())

    def _text(self) -> str:
        lines = [str(problem) for problem in self.problems[:SHOWN]]
        if len(self.problems) > SHOWN:
            more = len(self.problems) - SHOWN
            lines.append(f"... and {more} more (`bdc config check` lists them all)")
        return "\n".join(lines)

    @classmethod
    def at(cls, path: Path, message: str, line: int | None = None, hint: str = ""):
        return cls([Problem(path, line, None, message, hint)])


def nearest(value: object, choices: Iterable[str], cutoff: float = 0.6) -> list[str]:
    """Up to three choices closest to what was typed, closest first. Ids typed as codes
    ("HOU-E2E") are compared in the registry's own spelling."""
    typed = str(value).lower().replace("-", "_")
    return difflib.get_close_matches(typed, sorted(set(map(str, choices))), n=3, cutoff=cutoff)


def suggest(value: object, choices: Iterable[str], cutoff: float = 0.6) -> str:
    """ "did you mean hou_e2e_housing_register_median?" for the nearest choices, or ""."""
    found = nearest(value, choices, cutoff)
    return f"did you mean {' or '.join(found)}?" if found else ""
