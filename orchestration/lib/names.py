"""Plain names for the codes the registry and the marts carry: councils, service areas and
teams. The one mapping for every page, pack and export that shows these to people.

The registry (config/measures/*.yml) names a measure's `service_area` and `team` by short
codes ("street_scene", "development_management"); people know them by these names. A code
with no entry here is still shown readably (underscores to spaces, first letter capitalised),
so a new team in the registry never shows as snake_case; add it here to name it properly.
"""

from __future__ import annotations

from orchestration.lib import environment

# Each council's own name and type ("Redditch Borough Council"), from config/councils.yml.
COUNCIL_NAMES = {code: council["name"] for code, council in environment.councils().items()}
COUNCIL_SHORT_NAMES = {
    code: council["short_name"] for code, council in environment.councils().items()
}

SERVICE_AREAS = {
    "benefits": "Benefits",
    "business_rates": "Business rates",
    "council_tax": "Council tax",
    "electoral_services": "Electoral services",
    "environmental_health": "Environmental health",
    "housing": "Housing",
    "independent_living": "Independent living",
    "leisure": "Leisure",
    "licensing": "Licensing",
    "planning": "Planning",
    "street_scene": "Street scene",
    "waste": "Waste and recycling",
}

TEAMS = {
    "benefits": "Benefits",
    "development_management": "Development management (planning)",
    "electoral_services": "Electoral services",
    "environmental_health": "Environmental health",
    "housing_options": "Housing options",
    "independent_living": "Independent living",
    "leisure": "Leisure",
    "licensing": "Licensing",
    "revenues": "Revenues (council tax and business rates)",
    "street_scene": "Street scene",
    "waste_collection": "Waste collection",
}


def readable(code: str | None) -> str:
    """A code people can read when it has no name of its own: "waste_collection" -> "Waste
    collection". Text that is already words ("Housing Options") is left as it is."""
    if not code:
        return ""
    if "_" not in code and not code.islower():
        return code
    words = code.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def council_name(code: str | None) -> str:
    """ "Bromsgrove District Council" for E07000234."""
    return COUNCIL_NAMES.get(code or "", readable(code))


def council_short_name(code: str | None) -> str:
    """ "Bromsgrove" for E07000234."""
    return COUNCIL_SHORT_NAMES.get(code or "", readable(code))


def service_name(code: str | None) -> str:
    return SERVICE_AREAS.get(code or "", readable(code))


def team_name(code: str | None) -> str:
    return TEAMS.get(code or "", readable(code))
