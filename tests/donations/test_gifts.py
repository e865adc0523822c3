"""Giving online: the "Faire un don" page, paid through orders and Stripe (the fake Stripe over
HTTP, a signed webhook); a registered charity's official receipt emailed once as a PDF with its
serial number; a plain thank-you otherwise; bad amounts refused with nothing created."""

from decimal import Decimal

import pytest
from bs4 import BeautifulSoup
from django.core import mail
from django.utils import translation
from wagtail.models import Locale

from cesiq_site import ratelimit
from donations.models import Donation, Receipt
from orders.models import Order, OrderState
from tests.conftest import plain
from tests.donations.conftest import PAGE, gift_data
from tests.shop.test_checkout import taxes_on  # noqa: F401

pytestmark = pytest.mark.django_db
D = Decimal


def errors(response):
    html = BeautifulSoup(response.content, "html.parser")
    return [
        plain(e.get_text(" ", strip=True))
        for e in html.select(".field__error, .error-summary__list li")
    ]


def pdfs(email):
    """(filename, bytes) of each attachment of a sent email."""
    return [
        (part.get_filename(), part.get_payload(decode=True), part.get_content_type())
        for part in email.attachments
    ]


def gift_emails():
    return [m for m in mail.outbox if m.to == ["awa@example.org"]]


def test_the_page_offers_the_suggested_amounts_and_ones_own(client, page):
    response = client.get(PAGE)
    assert response.status_code == 200
    html = BeautifulSoup(response.content, "html.parser")
    assert html.h1.get_text(strip=True) == "Faire un don"
    labels = [plain(label.get_text(strip=True)) for label in html.select(".choice label")]
    assert labels[:5] == ["25,00 $", "50,00 $", "100,00 $", "250,00 $", "Autre montant"]
    assert "En mémoire de" in labels and "En l'honneur de" in labels
    english = client.get("/en/give/")
    assert english.status_code == 200
    assert "$25.00" in english.content.decode()


def test_a_paid_gift_gets_its_official_receipt_by_email_once(client, give, fake_stripe, deliver):
    from tests.orders.test_payments import last_event

    order = give(
        amount="autre", other_amount="40,50", tribute="memory", tribute_name="Rosa Luxemburg"
    )
    assert order.state == OrderState.PAID and order.total == D("40.50")
    assert order.gst == order.qst == D("0")  # a gift is not taxed
    donation = Donation.objects.get(order=order)
    assert (donation.amount, donation.tribute_name) == (D("40.50"), "Rosa Luxemburg")
    receipt = donation.receipts.get()
    assert receipt.status == Receipt.Status.ISSUED
    data = receipt.data
    assert data["serial"] == receipt.number
    assert data["registration_number"] == "123456789 RR0001"
    assert data["donor_name"] == "Awa Diallo"
    assert data["donor_address"] == ["12, rue des Érables", "Québec (QC) G1R 2B5"]
    assert (data["amount"], data["advantage"], data["eligible_amount"]) == (
        "40.50",
        "0.00",
        "40.50",
    )
    assert data["year"] == donation.received_at.year and data["place_of_issue"] == "Québec"

    # Stripe delivers the same event again: nothing more is issued or sent.
    deliver(last_event(fake_stripe, "checkout.session.completed"))
    assert Receipt.objects.filter(donation__order=order).count() == 1
    emails = gift_emails()
    assert len(emails) == 1
    email = emails[0]
    assert plain(email.subject) == f"Confirmation de votre don {order.code}"
    body = plain(email.body)
    assert f"Votre reçu officiel aux fins de l'impôt sur le revenu (n° {receipt.number})" in body
    assert "En mémoire de Rosa Luxemburg." in body
    [(name, content, mimetype)] = pdfs(email)
    assert (name, mimetype) == (f"recu-{receipt.number}.pdf", "application/pdf")
    assert content.startswith(b"%PDF")
    for mention in (
        receipt.number.encode(),
        b"123456789 RR0001",
        b"www.canada.ca/charities-giving",
        b"Canada Revenue Agency",
        b"Claire Tremblay",
    ):
        assert mention in content
    # The copy kept is the one sent.
    receipt.refresh_from_db()
    assert bytes(receipt.pdf) == content


def test_the_gifts_receipt_page_names_its_dedication_and_its_tax_receipt(client, give):
    """The page the donor lands on says what the email says: the dedication, and the official
    receipt's number and eligible amount, sent as a PDF (not a generic order alone); the
    email does not say it twice."""
    from bs4 import BeautifulSoup

    order = give(
        amount="autre", other_amount="40,50", tribute="memory", tribute_name="Rosa Luxemburg"
    )
    receipt = Receipt.objects.get(donation__order=order)
    html = BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser")
    [section] = [
        s for s in html.select(".receipt__section") if plain(s.h2.get_text()) == "Votre don"
    ]
    assert plain(section.p.get_text("\n")).split("\n") == [
        "En mémoire de Rosa Luxemburg",
        f"Reçu officiel aux fins de l'impôt n° {receipt.number} (montant admissible : "
        "40,50 $), envoyé en PDF à awa@example.org.",
    ]
    [email] = gift_emails()
    assert plain(email.body).count(receipt.number) == 1


def test_a_gift_is_thanked_as_a_gift_not_as_an_order(
    client,
    give,
    taxes_on,  # noqa: F811 — the taxes turned on, with their numbers
):
    """The gift's email said « Votre commande … est confirmée », its page « Facturé à » and
    the GST and QST numbers, for a gift that bears no tax."""
    order = give(amount="50.00")
    assert order.gst == order.qst == order.hst == 0
    html = BeautifulSoup(client.get(order.get_absolute_url()).content, "html.parser")
    parties = plain(html.select_one(".receipt__parties").get_text(" ", strip=True))
    assert parties.startswith("Donateur ou donatrice Awa Diallo")
    assert "TPS" not in parties and "TVQ" not in parties
    thanks = plain(html.select_one(".notice--success").get_text(" ", strip=True))
    assert thanks.startswith("Merci pour votre don !") and "commande" not in thanks
    [email] = gift_emails()
    assert f"Votre don est bien reçu (commande {order.code}). Merci !" in plain(email.body)
    assert "est confirmée" not in plain(email.body)


def test_the_english_receipt_page_writes_the_eligible_amount_in_english(client, give):
    order = give(url="/en/give/", amount="autre", other_amount="40.50")
    receipt = Receipt.objects.get(donation__order=order)
    with translation.override("en"):
        url = order.get_absolute_url()
    html = BeautifulSoup(client.get(url).content, "html.parser")
    [section] = [s for s in html.select(".receipt__section") if s.h2.get_text() == "Your gift"]
    assert plain(section.p.get_text(" ", strip=True)) == (
        f"Official receipt for income tax purposes no. {receipt.number} (eligible amount: "
        "$40.50), sent as a PDF to awa@example.org."
    )
    # Its file is named in English too (it was « recu-… »).
    [email] = gift_emails()
    assert [name for name, _content, _type in pdfs(email)] == [f"receipt-{receipt.number}.pdf"]


def test_the_receipt_draws_the_donors_name_as_written(client, give):
    """« Nguyễn Thị Łucja » came out « Nguy■n Th■ ■ucja » in Helvetica (Latin-1 only): the
    receipts embed a font that has every letter of it."""
    from reportlab.pdfbase import pdfmetrics

    from cesiq_site.pdf_fonts import REGULAR, registered

    name = "Nguyễn Thị Łucja Ørsted-Çelik"
    give(amount="50.00", donor_name=name)
    [(_name, content, _mimetype)] = pdfs(gift_emails()[0])
    assert b"/Helvetica" not in content and b"DejaVuSans" in content
    registered()
    face = pdfmetrics.getFont(REGULAR).face
    assert [c for c in name if ord(c) not in face.charToGlyph] == []
    assert Receipt.objects.get().data["donor_name"] == name


def test_a_name_in_chinese_korean_or_japanese_is_drawn_with_the_fallback_font(client, give):
    """« 王芳 » came out « ■■ »: DejaVu has no Chinese, Korean nor Japanese; those runs are
    drawn with Droid Sans Fallback, the rest of the line with DejaVu."""
    from cesiq_site.pdf_fonts import BOLD, FALLBACK, runs

    name = "王芳 (Wang Fang) 김민지 さくら"
    give(amount="50.00", donor_name=name)
    [(_name, content, _mimetype)] = pdfs(gift_emails()[0])
    assert b"DroidSansFallback" in content and b"DejaVuSans-Bold" in content
    drawn = runs(name, BOLD)
    assert [font for font, _part in drawn] == [FALLBACK, BOLD, FALLBACK, BOLD, FALLBACK]
    assert "".join(part for _font, part in drawn) == name
    assert tuple(p for f, p in drawn if f == FALLBACK) == ("王芳", "김민지", "さくら")


def test_an_invoice_right_aligns_text_drawn_in_two_fonts():
    """The invoice's right-hand column ends where it should when a line mixes fonts: its width
    is the sum of each run's, in its own font."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from cesiq_site.pdf_fonts import REGULAR, fallback, registered, string_width

    registered()
    text = "École 北京 Montréal"
    expected = (
        stringWidth("École ", REGULAR, 10)
        + stringWidth("北京", fallback(), 10)
        + stringWidth(" Montréal", REGULAR, 10)
    )
    assert string_width(text, REGULAR, 10) == pytest.approx(expected)
    assert string_width(text, REGULAR, 10) != pytest.approx(stringWidth(text, REGULAR, 10))


def test_receipts_in_english_for_an_english_gift(client, give):
    order = give(url="/en/give/", amount="50.00")
    assert order.language == "en"
    email = gift_emails()[0]
    assert "Your official receipt for income tax purposes" in email.body
    [(_name, content, _mimetype)] = pdfs(email)
    assert b"Official receipt for income tax purposes" in content
    # The signer's title as the settings give it in English (the demo's « Trésorière »).
    assert b"Claire Tremblay, Treasurer" in content
    assert Receipt.objects.get().data["signer_title"] == "Treasurer"
    # The address the English way (« Québec (QC) G1R 2B5 » is Canada Post's French form).
    assert Receipt.objects.get().data["donor_address"] == [
        "12, rue des Érables",
        "Québec, QC G1R 2B5",
    ]


def test_a_signers_title_without_english_stays_french_on_an_english_receipt(client, give, charity):
    charity.signer_title_en = " "
    charity.save()
    give(url="/en/give/", amount="50.00")
    assert Receipt.objects.get().data["signer_title"] == "Trésorière"


def test_a_french_receipt_names_the_signers_french_title(client, give):
    give(amount="50.00")
    [(_name, content, _mimetype)] = pdfs(gift_emails()[0])
    assert Receipt.objects.get().data["signer_title"] == "Trésorière"
    assert b"Treasurer" not in content


def test_the_order_line_says_what_the_gift_funds_once(client, give, page):
    """« Don », not « Don — Faire un don »; « Don — » what the editor says the page funds."""
    [line] = give(amount="50.00").lines.all()
    assert line.description == "Don"
    page.designation = "Fonds d'urgence Haïti"
    page.save_revision().publish()
    english = page.get_translation(Locale.objects.get(language_code="en"))
    english.designation = "Haiti emergency fund"
    english.save_revision().publish()
    [line] = give(amount="50.00").lines.all()
    assert line.description == "Don — Fonds d'urgence Haïti"
    [line] = give(url="/en/give/", amount="50.00").lines.all()
    assert line.description == "Donation — Haiti emergency fund"


def test_rich_text_links_to_the_donation_page(client, page):
    """Wagtail's link handler asks the linked page for `localized`: the page's own helpers
    must not hide it (a news article linking to « Faire un don » answered 500)."""
    page.body = f'<p>Merci ! <a linktype="page" id="{page.pk}">Donnez encore</a></p>'
    page.save_revision().publish()
    response = client.get(PAGE)
    assert response.status_code == 200
    link = BeautifulSoup(response.content, "html.parser").find("a", string="Donnez encore")
    assert link["href"] == PAGE


def test_no_tax_receipt_when_the_organisation_is_not_a_registered_charity(
    client, give, not_a_charity
):
    order = give(amount="25.00")
    donation = Donation.objects.get(order=order)
    assert not donation.receipts.exists()
    [email] = gift_emails()
    assert "il n'est pas un reçu officiel aux fins de l'impôt" in plain(email.body)
    assert email.attachments == []


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"amount": "autre", "other_amount": "abc"}, "Indiquez le montant de votre don en dollars"),
        ({"amount": "autre", "other_amount": "2"}, "Le don minimum en ligne est de 5,00 $."),
        ({"amount": "autre", "other_amount": "-25"}, "Le don minimum en ligne est de 5,00 $."),
        (
            {"amount": "autre", "other_amount": "25000"},
            "Le don maximum en ligne est de 10 000,00 $.",
        ),
        ({"amount": "autre", "other_amount": "25,555"}, "pas avoir plus de deux décimales"),
        (
            {"amount": "autre", "other_amount": "1" * 40},
            "Indiquez un montant entre 5,00 $ et 10 000,00 $.",
        ),
        ({"amount": "autre", "other_amount": "NaN"}, "Indiquez le montant de votre don en dollars"),
        ({"amount": "autre", "other_amount": "1e3"}, "Indiquez le montant de votre don en dollars"),
        (
            {"amount": "autre", "other_amount": "Infinity"},
            "Indiquez le montant de votre don en dollars",
        ),
        ({"amount": "7.00"}, "Choisissez un montant proposé ou indiquez le vôtre."),
        ({"amount": ""}, "Choisissez un montant ou indiquez le vôtre."),
        ({"tribute": "honour", "tribute_name": ""}, "Indiquez le nom de la personne"),
        ({"postal_code": "12345"}, "Saisissez un code postal canadien"),
        (
            {"province": "ON"},
            "Le code postal G1R 2B5 n'est pas un code de la province choisie (Ontario)",
        ),
        ({"consent": ""}, "Cochez la case pour accepter que le CÉSIQ conserve ces renseignements."),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_creates_nothing(
    client, page, overrides, message
):
    before = Order.objects.count()
    response = client.post(PAGE, gift_data(**overrides))
    assert response.status_code == 400
    assert any(message in e for e in errors(response)), errors(response)
    assert Order.objects.count() == before
    assert not Donation.objects.exists()


def test_a_tampered_amount_is_checked_again_by_the_purchasable(page):
    """Whatever calls orders with this page (the checkout, a script), the amount is checked."""
    from orders import services
    from orders.services import OrderError, Selection

    with pytest.raises(OrderError, match="Le don maximum"):
        services.place_order(
            kind="donation",
            buyer_name="X",
            buyer_email="x@example.org",
            language="fr",
            selections=[Selection(item=page, quantity=1, requested_price=D("99999"))],
        )
    with pytest.raises(OrderError, match="un à la fois"):
        services.place_order(
            kind="donation",
            buyer_name="X",
            buyer_email="x@example.org",
            language="fr",
            selections=[Selection(item=page, quantity=3, requested_price=D("25"))],
        )
    assert not Order.objects.filter(buyer_email="x@example.org").exists()


def test_cancelling_the_gift_voids_its_receipt(
    give, admin_user, django_capture_on_commit_callbacks
):
    from orders import services

    order = give(amount="100.00")
    receipt = Receipt.objects.get(donation__order=order)
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_order(order, user=admin_user, reason="Don fait par erreur")
    receipt.refresh_from_db()
    assert receipt.status == Receipt.Status.VOID
    assert receipt.void_reason == "Commande annulée"
    donation = Donation.objects.get(order=order)
    assert donation.refunded and donation.current_receipt is None
    order.refresh_from_db()
    assert order.refunded_amount == D("100.00")


def test_a_full_refund_voids_the_receipt(give, admin_user, django_capture_on_commit_callbacks):
    from orders import services

    order = give(amount="50.00")
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(order, D("50.00"), reason="Demande du donateur", user=admin_user)
    order.refresh_from_db()
    assert order.state == OrderState.REFUNDED
    receipt = Receipt.objects.get(donation__order=order)
    assert receipt.status == Receipt.Status.VOID
    assert receipt.void_reason == "Don remboursé"
    assert order.log_entries.filter(action="donation_receipt_voided").count() == 1


def test_rate_limited(client, page, give, settings):
    settings.RATE_LIMITS = {"donate": (2, 600), "posts": (4, 600)}
    # Mistakes corrected do not count as gifts; two gifts, and a third is refused.
    assert client.post(PAGE, gift_data(amount="")).status_code == 400
    give(amount="25.00")
    give(amount="50.00")
    response = client.post(PAGE, gift_data(amount="100.00"))
    assert response.status_code == 429
    assert not Order.objects.filter(kind="donation", total=D("100.00")).exists()
    # Every POST counts against the wider limit: the fifth, refused or not, is stopped.
    ratelimit.reset()
    for _ in range(4):
        assert client.post(PAGE, gift_data(amount="")).status_code == 400
    assert client.post(PAGE, gift_data(amount="")).status_code == 429


def test_a_partial_refund_replaces_the_receipt_with_what_was_kept(
    give, admin_user, django_capture_on_commit_callbacks
):
    from orders import services

    order = give(amount="100.00")
    original = Receipt.objects.get(donation__order=order)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(order, D("40.00"), reason="Erreur de montant", user=admin_user)
    original.refresh_from_db()
    assert original.status == Receipt.Status.VOID
    replacement = original.replaced_by
    assert replacement.data["amount"] == "60.00" and replacement.data["eligible_amount"] == "60.00"
    assert any(replacement.number in m.subject for m in mail.outbox)


def test_a_long_label_on_the_receipt_goes_on_over_lines_before_its_amount(monkeypatch):
    """« Eligible amount of the gift for tax purposes » ran into « $25.00 » beside it."""
    from reportlab.lib.units import cm

    from cesiq_site.pdf_fonts import string_width
    from donations import pdf

    drawn = []
    real = pdf.draw_string

    def spy(canvas, x, y, text, font, size, align="left"):
        drawn.append((x, y, text, font, size))
        return real(canvas, x, y, text, font, size, align)

    monkeypatch.setattr(pdf, "draw_string", spy)
    page = pdf._Page("test")
    page.pair("Eligible amount of the gift for tax purposes", "$25.00")
    page.pair("Value of the advantage", "$0.00")
    labels = [(x, y, text) for x, y, text, font, size in drawn if x == 2 * cm]
    amounts = [(x, y, text) for x, y, text, font, size in drawn if x == 9.5 * cm]
    assert [text for _x, _y, text in labels] == [
        "Eligible amount of the gift for tax",
        "purposes",
        "Value of the advantage",
    ]
    for x, _y, text in labels:
        assert x + string_width(text, pdf.REGULAR, 10) < 9.5 * cm, text
    # Each amount on its label's first line; the next pair below the wrapped label.
    assert [y for _x, y, _text in amounts] == [labels[0][1], labels[2][1]]
    assert labels[1][1] < labels[0][1] and labels[2][1] < labels[1][1]


def test_a_gift_sent_twice_is_one_gift_on_one_stripe_page(client, page, fake_stripe):
    html = BeautifulSoup(client.get(PAGE).content, "html.parser")
    token = html.select_one("form input[name=csrfmiddlewaretoken]")["value"]
    data = gift_data(csrfmiddlewaretoken=token)
    first = client.post(PAGE, data)
    second = client.post(PAGE, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"].startswith(fake_stripe.url + "/checkout/")
    assert second["Location"] == first["Location"]
    assert Order.objects.filter(buyer_email="awa@example.org").count() == 1
    assert len(fake_stripe.sessions) == 1
