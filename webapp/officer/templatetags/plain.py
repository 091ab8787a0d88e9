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
"""

from django import template

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
