"""Invoices: numbers in an unbroken sequence per year, a PDF with the organisation, the number,
the terms and the purchase order."""

import re

import pytest
from django.db import transaction

from schools import invoices
from schools.models import InvoiceCounter

pytestmark = pytest.mark.django_db


def number_of(booking):
    return int(booking.invoice.number.rsplit("-", 1)[1])


def test_numbers_follow_each_other(invoiced):
    first, second, third = invoiced(), invoiced(), invoiced()
    n = number_of(first)
    assert [number_of(second), number_of(third)] == [n + 1, n + 2]
    assert re.fullmatch(r"F-20\d\d-\d{4}", first.invoice.number)


def test_a_rolled_back_invoice_gives_its_number_back():
    with transaction.atomic():
        taken = invoices.next_number(2031)
    assert taken == "F-2031-0001"
    with pytest.raises(RuntimeError), transaction.atomic():
        invoices.next_number(2031)
        raise RuntimeError("the invoice could not be saved")
    assert InvoiceCounter.objects.get(year=2031).last_number == 1
    assert invoices.next_number(2031) == "F-2031-0002"


def test_the_pdf_has_the_number_the_organisation_the_terms_and_the_purchase_order(invoiced):
    booking = invoiced()
    pdf = bytes(booking.invoice.pdf)
    assert pdf.startswith(b"%PDF")
    assert booking.invoice.number.encode() in pdf
    assert b"BC-77" in pdf
    assert b"Payable dans les 30 jours" in pdf
    assert booking.school.encode("latin-1") in pdf or b"cole test" in pdf
    assert b"Carrefour" in pdf  # the organisation's name, from the site settings


def test_the_pdf_of_an_english_school_is_in_english(invoiced):
    booking = invoiced(language="en")
    pdf = bytes(booking.invoice.pdf)
    assert b"INVOICE" in pdf and b"Payable within 30 days" in pdf
