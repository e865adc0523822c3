"""The registration form writes its inputs in Python (cesiq_site/form_renderer.py) rather
than through Django's widget templates: what the buyer gets must be the same markup, character
for character — attributes, their order, escaping, checked and disabled states, the aria
attributes an error adds."""

import re

import pytest
from django.forms.renderers import DjangoTemplates

from cesiq_site.form_renderer import FastInputRenderer
from events.forms import RegistrationForm
from events.models import EventPage, Question
from tests.events.conftest import registration_data

pytestmark = pytest.mark.django_db


def markup(form):
    """Every field as the template shows it, and each choice of a radio list on its own."""
    shown = {}
    for bound in form:
        shown[bound.name] = str(bound)
        for number, choice in enumerate(getattr(bound, "subwidgets", [])):
            shown[f"{bound.name} {number}"] = choice.tag()
            shown[f"{bound.name} {number} wrapped"] = choice.tag(wrap_label=True)
    return shown


def both(page, data=None, **kwargs):
    fast = RegistrationForm(data, page=page, **kwargs)
    assert isinstance(fast.renderer, FastInputRenderer)
    django = RegistrationForm(data, page=page, renderer=DjangoTemplates(), **kwargs)
    if data is not None:
        fast.is_valid()
        django.is_valid()
    return markup(fast), markup(django)


@pytest.fixture
def asking_activity(activity):
    """The demo's paid workshop asking each person's name and questions of every kind."""
    activity.attendee_names = "required"
    activity.save()
    for kind, per_attendee in (("text", False), ("checkbox", False), ("choice", True)):
        Question.objects.create(
            page=activity,
            label=f"Question « {kind} » <b>&",
            kind=kind,
            choices="Oui\nNon, merci\n« Peut-être » & <autre>",
            required=True,
            per_attendee=per_attendee,
        )
    return EventPage.objects.get(pk=activity.pk)  # read again, without cached relations


def test_an_empty_form_is_written_as_django_writes_it(asking_activity):
    fast, django = both(asking_activity, initial={"discount_code": 'a"<b>'})
    assert fast.keys() == django.keys()
    assert any("radio" in html for html in fast.values())
    for name in fast:
        assert fast[name] == django[name], name


def test_a_refused_form_with_values_errors_and_hidden_blocks_is_the_same(asking_activity):
    ticket = asking_activity.ticket_types.first()
    data = registration_data(
        asking_activity,
        **{
            f"quantity_{ticket.pk}": "2",
            "buyer_name": 'Awa "Diallo" <script>&amp;',
            "buyer_email": "pas un courriel",
            "consent": "",
            "attendee_1_name": "Personne <1>",
        },
    )
    fast, django = both(asking_activity, data)
    assert 'aria-invalid="true"' in fast["buyer_email"]
    assert "&lt;script&gt;&amp;amp;" in fast["buyer_name"]
    assert any(" disabled" in html for html in fast.values())  # the blocks not shown
    assert fast.keys() == django.keys()
    for name in fast:
        assert fast[name] == django[name], name


def test_the_registration_page_is_unchanged_for_the_buyer(client, asking_activity, clock):
    """The whole page, rendered with the fast renderer and with Django's, is the same (the
    spam trap's clock stands still: its signed time is in the page)."""
    from unittest import mock

    url = asking_activity.url + "inscription/"
    fast = client.get(url).content.decode()
    with mock.patch.object(RegistrationForm, "default_renderer", DjangoTemplates()):
        django = client.get(url).content.decode()
    strip = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"')
    assert strip.sub("", fast) == strip.sub("", django)


@pytest.mark.parametrize("bound", [False, True])
def test_the_field_tags_write_what_the_field_includes_write(asking_activity, bound):
    """`{% form_field %}` and `{% field_errors %}` (events/templatetags/registration_fields.py)
    against the includes they stand for, for every field, required mark or not, with and
    without errors."""
    from django.template import Context, Template

    ticket = asking_activity.ticket_types.first()
    data = None
    if bound:
        data = registration_data(
            asking_activity,
            **{f"quantity_{ticket.pk}": "2", "buyer_email": "x<y", "consent": ""},
        )
    form = RegistrationForm(data, page=asking_activity)
    if bound:
        assert not form.is_valid()
    includes = Template(
        '{% include "events/includes/field.html" with field=field star=star %}|'
        '{% include "events/includes/errors.html" with field=field %}'
    )
    tags = Template(
        "{% load registration_fields %}{% form_field field star %}|{% field_errors field %}"
    )
    errors_seen = 0
    for field in form:
        for star in (False, True):
            context = {"field": field, "star": star}
            expected = includes.render(Context(context))
            assert tags.render(Context(context)) == expected, (field.name, star)
            errors_seen += "field__error" in expected
    assert errors_seen >= (4 if bound else 0)
