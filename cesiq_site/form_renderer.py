"""A form renderer that writes the plain <input> widgets in Python.

Django renders every widget through its template engine: `input.html`, which includes
`attrs.html`, itself a loop of conditions, for each field and each radio button. On the
registration form (a dozen fields, radio buttons, hidden attendee fields) that was about a
fifth of the page's CPU, on the page every buyer loads at least twice. This renderer writes
exactly what those two templates write (same attributes, same order, same escaping), and hands
every other template (select, textarea, error lists, the form's own layouts) to Django's.
`tests/events/test_form_markup.py` checks the markup is the same character for
character, field by field.
"""

from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe

# Templates that are input.html and nothing else (Django 5.2's django/forms/widgets/).
INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "text", "email", "number", "hidden", "checkbox", "password", "url")
)
OPTION_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("radio_option", "checkbox_option", "input_option")
)


def _text(value):
    """`{{ value|stringformat:'s' }}` with autoescaping: escaped unless already safe."""
    if isinstance(value, SafeData):
        return str(value)
    return conditional_escape(f"{value}")


def _attrs(attrs):
    """attrs.html: ` name="value"`, a bare ` name` for True, nothing for False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}")
        if value is not True:
            parts.append(f'="{_text(value)}"')
    return "".join(parts)


def render_input(widget):
    """input.html."""
    kind, name = conditional_escape(widget["type"]), conditional_escape(widget["name"])
    html = f'<input type="{kind}" name="{name}"'
    if widget["value"] is not None:
        html += f' value="{_text(widget["value"])}"'
    return html + _attrs(widget["attrs"]) + ">"


def render_option(widget):
    """input_option.html: the input, wrapped in its label when asked (`choice.tag`)."""
    if not widget.get("wrap_label"):
        return render_input(widget)
    label_id = widget["attrs"].get("id")
    opening = f'<label for="{conditional_escape(label_id)}">' if label_id else "<label>"
    # input.html ends with a line break, kept inside the label (only the whole is stripped).
    return f"{opening}{render_input(widget)}\n {conditional_escape(widget['label'])}</label>"


class FastInputRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name in INPUT_TEMPLATES and set(context) == {"widget"}:
            return mark_safe(render_input(context["widget"]))  # noqa: S308 — escaped above
        if template_name in OPTION_TEMPLATES and set(context) == {"widget"}:
            return mark_safe(render_option(context["widget"]))  # noqa: S308 — escaped above
        return super().render(template_name, context, request)


# One for the process (its template engine is built once): forms name it as their
# `default_renderer`.
renderer = FastInputRenderer()
