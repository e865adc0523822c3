"""Spam protection shared by the public forms: a person who takes a few seconds gets through;
a robot that fills every field, answers at once, or replays an old or forged form is refused
with a clear message and nothing saved; each client is limited per scope."""

import pytest
from bs4 import BeautifulSoup
from django import forms
from django.test import RequestFactory
from django.utils import translation

from cesiq_site import antispam, ratelimit


class MessageForm(antispam.SpamProtectedForm):
    spam_purpose = "test"
    message = forms.CharField()


def shown_form(**initial):
    """What the browser sends back: the fields as rendered, plus what the person types."""
    form = MessageForm()
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(initial)
    return data


def errors(form):
    return [str(e) for e in form.non_field_errors()]


def test_a_person_taking_a_few_seconds_gets_through(clock):
    data = shown_form(message="Bonjour")
    clock.advance(5)
    form = MessageForm(data)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["message"] == "Bonjour"


def test_a_form_sent_within_three_seconds_is_refused_then_accepted_a_moment_later(clock):
    data = shown_form(message="Bonjour")
    clock.advance(2)
    form = MessageForm(data)
    assert not form.is_valid()
    assert errors(form) == [
        "Le formulaire a été envoyé trop vite après son affichage. Attendez quelques "
        "secondes, puis envoyez-le de nouveau."
    ]
    # Shown again with the same stamp: sent again a little later, it goes through.
    again = {name: form[name].value() or "" for name in form.fields}
    assert again[antispam.TIME_FIELD] == data[antispam.TIME_FIELD]
    clock.advance(2)
    assert MessageForm(again).is_valid()


def test_a_filled_honeypot_is_refused(clock):
    data = shown_form(message="Buy now", **{antispam.HONEYPOT_FIELD: "http://spam.example"})
    clock.advance(30)
    form = MessageForm(data)
    assert not form.is_valid()
    assert errors(form) == [
        "Votre envoi a été refusé parce qu'il ressemble à un envoi automatique. Rien n'a "
        "été enregistré."
    ]
    assert form.spam_reason == "honeypot"


@pytest.mark.parametrize(
    "stamp",
    [
        "",  # missing
        "1800000000",  # unsigned
        "1800000000:forged-signature",
        antispam._signer("another-form").sign("1800000000"),  # made for another form
        antispam._signer("test").sign("not-a-number"),
    ],
)
def test_a_forged_or_missing_stamp_is_refused_and_the_form_gets_a_fresh_one(clock, stamp):
    data = shown_form(message="Bonjour", **{antispam.TIME_FIELD: stamp})
    clock.advance(30)
    form = MessageForm(data)
    assert not form.is_valid()
    assert errors(form) == [
        "Ce formulaire a expiré ou n'est pas valide. Vérifiez vos réponses, puis "
        "envoyez-le de nouveau."
    ]
    # The form shown again carries a valid stamp: the person can send it after a moment.
    again = {name: form[name].value() or "" for name in form.fields}
    assert again[antispam.TIME_FIELD] != stamp
    assert again["message"] == "Bonjour"
    clock.advance(5)
    assert MessageForm(again).is_valid()


def test_a_form_shown_more_than_a_day_ago_or_stamped_in_the_future_is_refused(clock):
    old = shown_form(message="Bonjour")
    clock.advance(24 * 3600 + 1)
    form = MessageForm(old)
    assert not form.is_valid()
    assert form.spam_reason == "expired"

    future = shown_form(
        message="Bonjour", **{antispam.TIME_FIELD: antispam.stamp("test", at=clock.now + 600)}
    )
    assert not MessageForm(future).is_valid()


def test_a_day_old_form_is_still_accepted(clock):
    data = shown_form(message="Bonjour")
    clock.advance(24 * 3600 - 1)
    assert MessageForm(data).is_valid()


def test_the_messages_speak_english(clock):
    data = shown_form(message="Hello")
    with translation.override("en"):
        form = MessageForm(data)
        assert not form.is_valid()
        assert errors(form) == [
            "The form was sent too soon after it was shown. Wait a few seconds, then send it again."
        ]


def test_people_never_see_nor_reach_the_honeypot(clock):
    html = str(MessageForm().as_div())
    soup = BeautifulSoup(html, "html.parser")
    trap = soup.find("input", attrs={"name": antispam.HONEYPOT_FIELD})
    assert trap["tabindex"] == "-1"
    assert trap["autocomplete"] == "off"
    wrapper = trap.find_parent("div", class_="field--honeypot")
    assert wrapper["aria-hidden"] == "true"
    label = wrapper.find("label")
    assert label["for"] == trap["id"]
    assert label.get_text() == "Ne remplissez pas ce champ"
    # Neither protection field is a visible row with its own label.
    visible = [field.name for field in MessageForm().visible_fields()]
    assert visible == ["message"]
    stamp = soup.find("input", attrs={"name": antispam.TIME_FIELD})
    assert stamp["type"] == "hidden"


@pytest.mark.parametrize(
    ("scope", "allowed"), [("contact", 5), ("newsletter", 5), ("form", 10), ("posts", 50)]
)
def test_each_form_scope_is_rate_limited(db, scope, allowed):
    factory = RequestFactory()
    for _ in range(allowed):
        request = factory.post("/", REMOTE_ADDR="192.0.2.44")
        assert ratelimit.check(request, scope) is None
    request = factory.post("/", REMOTE_ADDR="192.0.2.44")
    response = ratelimit.check(request, scope)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    response.render()
    text = BeautifulSoup(response.content, "html.parser").get_text(" ", strip=True)
    assert "Rien n'a été enregistré." in text
    # Another client is not limited.
    other = factory.post("/", REMOTE_ADDR="192.0.2.45")
    assert ratelimit.check(other, scope) is None
