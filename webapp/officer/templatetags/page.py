"""{% page_style %}: the app's stylesheet, inline, matching the hash the CSP allows."""

from django import template
from django.utils.safestring import mark_safe

from webapp.officer.security import STYLESHEET

register = template.Library()


@register.simple_tag
def page_style() -> str:
    return mark_safe(f"<style>{STYLESHEET}</style>")  # noqa: S308 (our own file, no input)
