"""Template filters for plain words and values ({% load plain %}); see webapp/officer/names.py.

{{ measure.council_code|council }}            Bromsgrove District Council
{{ measure.council_code|council_short }}      Bromsgrove
{{ measure.service_area|service }}            Street scene
{{ measure.team|team }}                       Development management (planning)
{{ icon.latest_value|value:measure.unit }}    74.2%
{{ icon.latest_period_start|period:measure.frequency }}   Q2 2026/27 (July to September 2026)
{{ icon.variation_icon|variation }}           Common cause variation
{{ icon.assurance_icon|assurance }}           Target hit or miss
{{ measure.unit|unit }} {{ measure.frequency|frequency }} {{ measure.polarity|polarity }}
{{ grant.scope|words }}                       council codes and measure ids in a text as names
{{ "what_data_shows"|readable }}              What data shows
"""

import re

from django import template

from orchestration.lib.names import COUNCIL_NAMES, readable
from webapp.officer import names

register = template.Library()

register.filter("council", names.council_name)
register.filter("council_short", names.council_short_name)
register.filter("service", names.service_name)
register.filter("team", names.team_name)
register.filter("value", names.format_value)
register.filter("period", names.period_text)
register.filter("variation", names.variation_text)
register.filter("assurance", names.assurance_text)
register.filter("unit", names.unit_text)
register.filter("frequency", names.frequency_text)
register.filter("polarity", names.polarity_text)
register.filter("readable", readable)

CODE = re.compile(r"\bE0[5-9]\d{6}\b|\b[a-z]+_[a-z0-9_]+\b")


@register.filter
def words(text) -> str:
    """A text (an audit entry, a grant's scope) with each council code and measure id in it
    replaced by its name; any other snake_case word made readable."""
    if text is None:
        return ""
    from webapp.officer.models import Measure  # templates load before the app's models

    measure_names = dict(Measure.objects.values_list("measure_id", "name"))

    def name(match: re.Match) -> str:
        code = match.group(0)
        return COUNCIL_NAMES.get(code) or measure_names.get(code) or readable(code)

    return CODE.sub(name, str(text))
