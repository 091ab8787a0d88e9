"""The services and teams the shared Bromsgrove and Redditch services are organised into."""

from __future__ import annotations

# service -> the team that owns its back-office work
SERVICE_TEAMS: dict[str, str] = {
    "council_tax": "revenues",
    "business_rates": "revenues",
    "benefits": "benefits",
    "waste": "waste_collection",
    "street_scene": "street_scene",
    "planning": "development_management",
    "housing": "housing_options",
    "independent_living": "independent_living",
    "environmental_health": "environmental_health",
    "licensing": "licensing",
    "leisure": "leisure",
    "electoral_services": "electoral_services",
}
FRONT_OFFICE_TEAM = "customer_services"
# enabling services: no customer demand of their own
ENABLING_TEAMS: dict[str, str] = {
    "customer_services": "customer_services",
    "finance": "corporate",
    "human_resources": "corporate",
    "ict": "corporate",
    "legal_and_democratic": "corporate",
}
ALL_SERVICES: tuple[str, ...] = (*SERVICE_TEAMS, "customer_services", "corporate")
TEAM_SERVICE: dict[str, str] = {
    **{team: service for service, team in SERVICE_TEAMS.items() if service != "business_rates"},
    **ENABLING_TEAMS,
}
ALL_TEAMS: tuple[str, ...] = tuple(TEAM_SERVICE)

CHANNELS: tuple[str, ...] = ("phone", "face_to_face", "email", "web", "letter")
FAILURE_TYPES: tuple[str, ...] = (
    "chasing_progress",
    "not_understood",
    "wrong_outcome",
    "not_done_first_time",
    "duplicate_request",
)
