"""A minimal purchasable, so the orders core is tested without activities or the shop."""

from decimal import Decimal

from django.contrib.contenttypes.models import ContentType
from django.db import models

from orders.models import OrderLine
from orders.purchasable import NotAvailable, Purchasable, held_quantity


class Item(Purchasable, models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    capacity = models.PositiveIntegerField(null=True, blank=True)
    tax = models.CharField(max_length=10, default="taxable")
    kind = models.CharField(max_length=10, default="tickets")
    pay_what_you_can = models.BooleanField(default=False)
    fulfilled_count = models.PositiveIntegerField(default=0)
    released_count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name

    @property
    def order_kind(self):
        return self.kind

    def describe(self, language, details):
        return f"{self.name} ({language})"

    def price_for(self, requested, details):
        if self.pay_what_you_can and requested is not None:
            if Decimal(requested) < self.price:
                raise NotAvailable(f"minimum {self.price}")
            return Decimal(requested)
        return self.price

    def tax_category(self):
        return self.tax

    def capacity_lock(self, details):
        return Item.objects.select_for_update().get(pk=self.pk)

    def available(self, now, details=None):
        capacity = Item.objects.values_list("capacity", flat=True).get(pk=self.pk)
        if capacity is None:
            return None
        lines = OrderLine.objects.filter(
            content_type=ContentType.objects.get_for_model(Item), object_id=self.pk
        )
        return capacity - held_quantity(lines, now)

    def fulfil(self, line):
        Item.objects.filter(pk=self.pk).update(fulfilled_count=models.F("fulfilled_count") + 1)

    def release(self, line):
        Item.objects.filter(pk=self.pk).update(released_count=models.F("released_count") + 1)
