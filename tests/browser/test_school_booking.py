"""A school workshop from request to payment in a real browser: a teacher asks for a workshop,
staff propose a date from the admin, the teacher confirms through the emailed link and gets the
invoice, staff record the cheque. Every public page of the journey passes axe (WCAG 2.1 AA)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import OrderState, OutboxEmail
from schools.models import BookingStatus, WorkshopBooking
from tests.browser.conftest import admin_login as login
from tests.browser.conftest import axe_violations
from tests.conftest import plain
from tests.schools.conftest import in_days

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_teacher_books_a_workshop_paid_by_invoice(chromium, site_url, settings):
    settings.SPAM_MIN_SECONDS = 0  # the browser types faster than a person
    teacher = chromium.new_context(locale="fr-CA", timezone_id="America/Toronto").new_page()
    staff = chromium.new_context(locale="fr-CA", timezone_id="America/Toronto").new_page()
    staff.set_viewport_size({"width": 1400, "height": 1000})
    today = timezone.localdate()

    # 1. The teacher's request.
    teacher.goto(site_url + "/demande-d-animation/")
    assert axe_violations(teacher) == []
    form = teacher.locator("form.workshop-request-form")  # not the footer's newsletter form
    form.get_by_label("École", exact=False).first.fill("École des Navigateurs")
    form.get_by_label("Personne-ressource").fill("Claire Fortin")
    form.get_by_label("Courriel").fill("claire.fortin@ecole.example")
    form.get_by_label("Téléphone").fill("418 555-0123")
    form.get_by_label("Niveau").select_option("secondaire-3")
    form.get_by_label("Nombre d'élèves").fill("29")
    form.get_by_label("Première date souhaitée").fill(in_days(30).isoformat())
    form.get_by_label("Deuxième date souhaitée").fill(in_days(33).isoformat())
    form.locator("input[name=themes]").first.check()
    form.get_by_label("J'accepte", exact=False).check()
    form.get_by_role("button", name="Envoyer la demande").click()
    teacher.wait_for_selector("text=Merci, votre demande est envoyée")
    assert axe_violations(teacher) == []
    booking = WorkshopBooking.objects.get(email="claire.fortin@ecole.example")
    assert booking.status == BookingStatus.NEW

    # 2. Staff find it on the dashboard and propose a date.
    login(staff, site_url, "billetterie")
    staff.get_by_role("link", name="École des Navigateurs").click()
    staff.wait_for_url(site_url + reverse("workshopbooking:inspect", args=[booking.pk]))
    staff.get_by_role("link", name="Proposer une date").click()
    start = (today + timedelta(days=33)).isoformat() + " 09:30"
    staff.get_by_label("Date et heure").fill(start)
    staff.get_by_label("Animateur ou animatrice").fill("Aminata Diallo")
    staff.get_by_label("Prix (avant taxes)").fill("175,00")
    staff.get_by_role("button", name="Envoyer la proposition à l'école").click()
    staff.wait_for_selector("text=La proposition a été envoyée")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PROPOSED

    # 3. The teacher follows the emailed link and confirms, paying by invoice.
    email = OutboxEmail.objects.get(key__startswith=f"workshop_proposal:{booking.pk}:")
    link = re.search(r"https?://\S+/animation/confirmer/\S+/", email.body_text).group(0)
    teacher.goto(site_url + re.sub(r"^https?://[^/]+", "", link))
    assert "Aminata Diallo" in plain(teacher.inner_text("main"))
    assert axe_violations(teacher) == []
    teacher.get_by_label("Facture (chèque ou virement)").check()
    teacher.get_by_label("Numéro de bon de commande (facultatif)").fill("BC-4411")
    teacher.get_by_role("button", name="Confirmer l'animation").click()
    teacher.wait_for_selector("text=Votre animation est confirmée")
    booking.refresh_from_db()
    invoice = booking.invoice
    assert booking.status == BookingStatus.INVOICED
    assert teacher.get_by_role("link", name=f"Facture {invoice.number} (PDF)").is_visible()
    assert axe_violations(teacher) == []
    assert OutboxEmail.objects.get(key=f"workshop_invoice:{invoice.number}").attachments

    # 4. The cheque arrives: staff record it.
    staff.goto(site_url + reverse("workshopbooking:inspect", args=[booking.pk]))
    staff.get_by_role("link", name="Enregistrer un paiement").click()
    staff.get_by_label("Référence").fill("CHQ-8812")
    staff.get_by_role("button", name="Enregistrer le paiement").click()
    staff.wait_for_selector(f"text=facture {invoice.number} payée")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PAID
    assert booking.order.state == OrderState.PAID
