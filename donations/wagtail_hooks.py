"""The donations back-office: registrations only (the views are in donations/admin/)."""

from django.urls import path
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from orders.admin.permissions import ServicesOnlyPermissionPolicy

from .admin import views
from .admin.viewsets import DonationViewSet
from .models import Donation

register_permission_policy(Donation, ServicesOnlyPermissionPolicy(Donation))


@hooks.register("register_admin_viewset")
def register_donations_admin():
    return DonationViewSet()


@hooks.register("register_admin_urls")
def register_donation_urls():
    return [
        path("dons/recu/<int:pk>/", views.receipt_copy, name="donations_receipt_copy"),
        path(
            "dons/recu/<int:pk>/corriger/", views.void_and_replace, name="donations_receipt_replace"
        ),
        path("dons/sommaire/", views.yearly_summary, name="donations_summary"),
    ]
