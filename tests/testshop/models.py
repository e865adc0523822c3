"""A minimal purchasable, so the orders core is tested without activities or the shop."""

from decimal import Decimal

from django.db import models

from orders import availability
from orders.models import Quota
from orders.purchasable import NotAvailable, Purchasable


class Item(Purchasable, models.Model):
    name = models.CharField(max_length=100)
    price = models.DecimalField(max_digits=8, decimal_places=2)
    capacity = models.PositiveIntegerField(null=True, blank=True)  # None: unlimited
    quota = models.OneToOneField(Quota, null=True, blank=True, on_delete=models.PROTECT)
    tax = models.CharField(max_length=10, default="taxable")
    kind = models.CharField(max_length=10, default="tickets")
    pay_what_you_can = models.BooleanField(default=False)
    fulfilled_count = models.PositiveIntegerField(default=0)
    released_count = models.PositiveIntegerField(default=0)

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        if self.capacity is not None and self.quota_id is None:
            self.quota = Quota.objects.create(size=self.capacity, name=self.name)
        elif self.capacity is not None:
            Quota.objects.filter(pk=self.quota_id).update(size=self.capacity)
        super().save(*args, **kwargs)

    def describe(self, language, option):
        return f"{self.name} ({language})"

    def price_for(self, requested, option):
        if self.pay_what_you_can and requested is not None:
            if Decimal(requested) < self.price:
                raise NotAvailable(f"minimum {self.price}")
            return Decimal(requested)
        return self.price

    def tax_category(self):
        return self.tax

    def quotas(self, option):
        return [self.quota] if self.quota_id else []

    def available(self, now):
        """Units left (for the tests' assertions), None when unlimited."""
        if self.quota_id is None:
            return None
        return availability.usage([self.quota_id], now)[self.quota_id].left

    def fulfil(self, line):
        Item.objects.filter(pk=self.pk).update(fulfilled_count=models.F("fulfilled_count") + 1)

    def release(self, line):
        Item.objects.filter(pk=self.pk).update(released_count=models.F("released_count") + 1)

    def is_goods(self):
        return self.kind == "shop"
