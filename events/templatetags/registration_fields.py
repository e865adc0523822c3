"""`{% form_field field star %}` and `{% field_errors field %}`: what the includes
`events/includes/field.html` and `events/includes/errors.html` write, written in Python.

The registration form is the page every buyer loads, and shows a dozen fields plus one block
per ticket: an `{% include %}` per field and another for its errors cost a good part of its
rendering. These tags write the very same markup (the label and its required mark, the hint
tied by `aria-describedby`, the errors with their ids, the same line breaks), which
`tests/events/test_form_markup.py` compares with the includes, field by field. The includes
stay for the other forms of the site; change both together.
"""

from django import template
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

register = template.Library()

REQUIRED_MARK = mark_safe(' <span class="field__required" aria-hidden="true">*</span>')


def errors_html(field):
    """errors.html, without its final line break."""
    errors = field.errors
    if not errors:
        return ""
    items = "".join(f'<p class="field__error">{conditional_escape(e)}</p>' for e in errors)
    error_id = conditional_escape(field.auto_id)
    return f'<div class="field__errors" id="{error_id}_error">{items}</div>'


@register.simple_tag
def field_errors(field):
    """`{% include "events/includes/errors.html" with field=field %}`."""
    return mark_safe(errors_html(field) + "\n")  # noqa: S308 — escaped in errors_html


@register.simple_tag
def form_field(field, star=False):
    """`{% include "events/includes/field.html" with field=field star=star %}`."""
    mark = REQUIRED_MARK if field.field.required or star else ""
    label = format_html('<label for="{}">{}{}</label>', field.id_for_label, field.label, mark)
    errors = errors_html(field)
    if getattr(field.field.widget, "input_type", None) == "checkbox":
        html = f'\n<div class="field field--checkbox">\n  {field} {label}\n  {errors}\n\n</div>\n\n'
    else:
        hint = ""
        if field.help_text:
            hint = format_html(
                '<p class="field__hint" id="{}_helptext">{}</p>', field.auto_id, field.help_text
            )
        html = f'\n<div class="field">\n  {label}\n  {hint}\n  {field}\n  {errors}\n\n</div>\n\n'
    return mark_safe(html)  # noqa: S308 — every part escaped above
