"""The error summary of a form that failed (the GOV.UK pattern, WCAG 3.3.1 and 2.4.3).

`{% error_summary form %}` goes first in <main>: a titled box that lists every error as a
link to its field, and takes the focus when the page loads, so a keyboard or screen-reader
user lands on what went wrong instead of at the top of the body. Any form can use it as it
is. A form whose non-field errors belong to a group of fields (the quantities of the
tickets) names that group's first field in `error_summary_targets`, keyed by the error's
code, so that its line in the summary is a link too.
"""

from django import forms, template
from django.utils.translation import gettext as _

register = template.Library()

# Widgets drawn as a group of inputs: the summary links to the first one (the fieldset itself
# cannot take the focus).
_GROUPED = (forms.RadioSelect, forms.CheckboxSelectMultiple)


def field_anchor(bound_field):
    """The id a link to this field should point at: its input, or its group's first input."""
    if isinstance(bound_field.field.widget, _GROUPED):
        subwidgets = bound_field.subwidgets
        return subwidgets[0].id_for_label if subwidgets else bound_field.auto_id
    return bound_field.id_for_label or bound_field.auto_id


def error_items(form):
    """(message, anchor or None) for every error of `form`: the non-field errors that belong to
    no field first, then the fields in the order the page shows them, a group's error (the
    tickets') at the place of the field it names."""
    items = []
    targets = getattr(form, "error_summary_targets", {})
    data = form.errors.as_data()
    at_field = {}
    for error in data.get(forms.forms.NON_FIELD_ERRORS, []):
        target = targets.get(error.code)
        if target and target in form.fields:
            anchor = field_anchor(form[target])
            at_field.setdefault(target, []).extend((m, anchor) for m in error.messages)
        else:
            items.extend((message, None) for message in error.messages)
    for name in form.fields:
        items.extend(at_field.get(name, ()))
        if name not in data:
            continue
        bound_field = form[name]
        anchor = None if bound_field.is_hidden else field_anchor(bound_field)
        for error in data[name]:
            for message in error.messages:
                if (
                    error.code == "required"
                    and message == forms.Field.default_error_messages["required"]
                ):
                    # Django's generic "This field is required." says nothing out of context.
                    message = _("%(label)s : ce champ est obligatoire.") % {
                        "label": bound_field.label
                    }
                items.append((message, anchor))
    return items


@register.inclusion_tag("includes/error_summary.html", takes_context=True)
def error_summary(context, *forms):
    """One summary for the forms of a page (the checkout has its contact and its delivery
    forms in one <form>), in the order given."""
    items = [
        item for form in forms if form is not None and form.errors for item in error_items(form)
    ]
    return {"items": items, "request": context.get("request")}


@register.simple_tag
def error_title_prefix(*forms):
    """ "Erreur : " before the page title while a form shows errors (WCAG 2.4.2, 3.3.1)."""
    return _("Erreur : ") if any(form is not None and form.errors for form in forms) else ""
