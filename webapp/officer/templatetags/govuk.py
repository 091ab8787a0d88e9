"""{% govuk_widget field %}: a form field's widget with GOV.UK Frontend's classes, tied to its
hint and error message (rendered by officer/_field.html with the ids `<id>-hint` and
`<id>-error`) by aria-describedby, so every id it names exists in the page."""

from django import forms, template
from django.forms.widgets import Input

register = template.Library()

WIDGET_CLASSES = [
    (forms.CheckboxInput, "govuk-checkboxes__input"),
    (forms.Textarea, "govuk-textarea"),
    (forms.Select, "govuk-select"),
    (Input, "govuk-input"),
]


def widget_class(widget) -> str:
    return next((name for kind, name in WIDGET_CLASSES if isinstance(widget, kind)), "")


def described_by(field) -> str:
    """The ids of the field's hint and error message, as _field.html renders them."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.simple_tag
def govuk_widget(field, extra_class: str = ""):
    widget = field.field.widget
    base = widget_class(widget)
    classes = [c for c in (base, extra_class) if c]
    if field.errors and base and not isinstance(widget, forms.CheckboxInput):
        classes.append(f"{base}--error")
    attrs = {"class": " ".join(classes)} if classes else {}
    # Whenever the field has a hint or an error, these ids replace Django's own (`<id>_error`,
    # `<id>_helptext`), which _field.html does not render.
    if ids := described_by(field):
        attrs["aria-describedby"] = ids
    return field.as_widget(attrs=attrs)
