"""The model of config/councils.yml: each council by its ONS code, with its names as every page,
pack and export says them, and the public site's slug and colours."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, ClassVar

from pydantic import Field, RootModel, StringConstraints, field_validator

from orchestration.lib.registers.base import GSS_CODE, Model, Text, fail

Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9a-fA-F]{6}$")]
# White text on the council's colour must be readable: WCAG 2.2 AA for normal text.
MINIMUM_CONTRAST = 4.5


def contrast_with_white(colour: str) -> float:
    """WCAG contrast ratio of white text on a #rrggbb background."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * red + 0.7152 * green + 0.0722 * blue
    return 1.05 / (luminance + 0.05)


class Council(Model):
    name: Text
    """The council's full name ("Redditch Borough Council")."""
    short_name: Text
    """The place ("Redditch")."""
    slug: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]*$")]
    """The public site's URL folder for the council."""
    colour: Colour
    """The council's colour (#rrggbb); white text on it must have a contrast of 4.5:1."""
    accent: Colour
    """A second colour (#rrggbb)."""
    contact_email: Annotated[str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    """The performance team's mailbox, shown to residents."""

    @field_validator("colour")
    @classmethod
    def _readable(cls, colour: str) -> str:
        ratio = contrast_with_white(colour)
        if ratio < MINIMUM_CONTRAST:
            fail(
                f"white text on {colour} has a contrast of {ratio:.1f}:1, below "
                f"{MINIMUM_CONTRAST}:1: choose a darker colour"
            )
        return colour


CouncilKey = Annotated[str, StringConstraints(pattern=GSS_CODE)]


class Councils(RootModel[Annotated[dict[CouncilKey, Council], Field(min_length=1)]]):
    """config/councils.yml: each council by its ONS (GSS) code."""

    keyed_by: ClassVar[str] = "council"
    model_config = {"frozen": True}


def load(path: Path) -> dict[str, dict]:
    """Each council's fields by its code, validated (RegisterError names file and line)."""
    from orchestration.lib import yamlfiles
    from orchestration.lib.registers import validate

    councils = validate.load(yamlfiles.read(path), Councils)
    return {code: council.model_dump() for code, council in councils.root.items()}
