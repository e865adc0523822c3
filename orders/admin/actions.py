"""What staff do to an order from its detail: refund, resend the confirmation, cancel.

Each action is a form on its own page (the confirmation step) that calls one service; an
OrderError from the service is shown on the form and, the service being atomic, nothing
changes.
"""

import contextlib
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from wagtail.admin.views.generic.base import BaseObjectMixin, WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from cesiq_site.validation import AT_LEAST_A_CENT

from .. import services
from ..models import Order, OrderState
from ..registry import why_not_cancellable
from .formats import cad


def refundable(order):
    """What is left to refund: received, minus refunded, minus refunds under way."""
    return order.balance - services.pending_refunds(order)


class OrderActionView(PermissionCheckedMixin, WagtailAdminTemplateMixin, BaseObjectMixin, FormView):
    model = Order
    permission_required = "change"
    template_name = "orders/admin/order_action.html"
    header_icon = "form"
    index_url_name = None
    inspect_url_name = None
    name = ""
    button_icon = "form"
    submit_label = ""
    destructive = False

    @classmethod
    def is_available(cls, order):
        return True

    @classmethod
    def is_offered(cls, order):
        """Whether the order's page shows this action's button: where the action is refused
        for a reason staff must read (`unavailable_message`), the button stays and says it."""
        return cls.is_available(order)

    def get_page_subtitle(self):
        return self.object.code

    def get_inspect_url(self):
        return reverse(self.inspect_url_name, args=[self.object.pk])

    def get_success_url(self):
        return self.get_inspect_url()

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(self.index_url_name),
                "label": capfirst(Order._meta.verbose_name_plural),
            },
            {"url": self.get_inspect_url(), "label": self.object.code},
            {"url": "", "label": self.get_page_title()},
        ]

    def dispatch(self, request, *args, **kwargs):
        if not self.user_has_permission(self.permission_required):
            raise PermissionDenied
        if not self.is_available(self.object):
            messages.error(request, self.unavailable_message())
            return redirect(self.get_inspect_url())
        return super().dispatch(request, *args, **kwargs)

    def unavailable_message(self):
        return _("Cette action n'est pas possible pour la commande %(code)s.") % {
            "code": self.object.code
        }

    def intro(self):
        return ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            order=self.object,
            intro=self.intro(),
            submit_label=self.submit_label,
            destructive=self.destructive,
            cancel_url=self.get_inspect_url(),
            action_url=self.request.path,
        )
        return context

    def form_valid(self, form):
        try:
            message = self.perform(form)
        except services.OrderError as exc:
            form.add_error(None, str(exc))
            return self.form_invalid(form)
        messages.success(self.request, message)
        return redirect(self.get_success_url())

    def perform(self, form):
        """Call the service; return the success message."""
        raise NotImplementedError


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Montant à rembourser"),
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        localize=True,
        error_messages={"min_value": AT_LEAST_A_CENT},
    )
    reason = forms.CharField(
        label=_("Motif"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Envoyé par courriel à la personne qui a payé, avec l'avis de remboursement, et "
            "noté dans le journal de la commande."
        ),
    )
    # The amount the confirmation was shown for: typing another amount asks to confirm again.
    confirmed_amount = forms.DecimalField(widget=forms.HiddenInput, required=False)
    confirm = forms.BooleanField(required=True)

    def __init__(self, *args, order, default, **kwargs):
        super().__init__(*args, initial={"amount": default, "confirmed_amount": default}, **kwargs)
        self.order = order
        self.fields["amount"].help_text = _("Reste à rembourser : %(amount)s") % {
            "amount": cad(default)
        }
        self.shown = default
        if self.is_bound:
            with contextlib.suppress(forms.ValidationError):
                self.shown = self.fields["amount"].clean(self["amount"].data)
        self.fields["confirm"].label = _(
            "Je confirme le remboursement de %(amount)s à %(buyer)s"
        ) % {"amount": cad(self.shown), "buyer": order.buyer_name}

    def clean(self):
        cleaned = super().clean()
        amount, confirmed = cleaned.get("amount"), cleaned.get("confirmed_amount")
        maximum = refundable(self.order)
        if amount is not None and amount > maximum:
            # Said first: confirming the amount again would not make it possible.
            self.add_error(
                "amount",
                _("On ne peut pas rembourser plus que %(max)s.") % {"max": cad(maximum)},
            )
            return cleaned
        if amount is not None and cleaned.get("confirm") and amount != confirmed:
            self.add_error(
                "confirm", _("Le montant a changé : vérifiez-le et confirmez de nouveau.")
            )
        return cleaned

    def full_clean(self):
        super().full_clean()
        if self.is_bound and self._errors:
            # Shown again: the person confirms anew the amount the label now shows.
            self.data = self.data.copy()
            self.data["confirmed_amount"] = str(self.shown)
            self.data.pop("confirm", None)


class OrderRefundView(OrderActionView):
    name = "refund"
    page_title = _("Rembourser")
    button_icon = "rotate"
    submit_label = _("Rembourser")
    destructive = True
    form_class = RefundForm

    @classmethod
    def is_available(cls, order):
        return (
            order.state in (OrderState.PAID, OrderState.CANCELLED, OrderState.REFUNDED)
            and refundable(order) > 0
        )

    def unavailable_message(self):
        return _("Il ne reste rien à rembourser sur la commande %(code)s.") % {
            "code": self.object.code
        }

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("initial", None)
        return {**kwargs, "order": self.object, "default": refundable(self.object)}

    def intro(self):
        order = self.object
        text = _("Reçu : %(paid)s. Déjà remboursé : %(refunded)s. En cours : %(pending)s.") % {
            "paid": cad(order.paid_amount),
            "refunded": cad(order.refunded_amount),
            "pending": cad(services.pending_refunds(order)),
        }
        if order.kept_amount:
            text += " " + _(
                "Gardé sans remboursement (billets ou articles annulés) : %(kept)s ; un "
                "remboursement ici le rend d'abord."
            ) % {"kept": cad(order.kept_amount)}
        if order.state == OrderState.PAID:
            text += " " + _(
                "Rembourser n'annule rien : les billets restent valides et les places comme "
                "les articles restent pris. Pour les annuler aussi, utilisez plutôt « Annuler "
                "la commande », qui propose le remboursement."
            )
        return text

    def perform(self, form):
        amount = form.cleaned_data["amount"]
        services.refund(
            self.object, amount, reason=form.cleaned_data["reason"], user=self.request.user
        )
        return _("Remboursement de %(amount)s demandé pour la commande %(code)s.") % {
            "amount": cad(amount),
            "code": self.object.code,
        }


class ResendConfirmationForm(forms.Form):
    pass


class OrderResendConfirmationView(OrderActionView):
    name = "resend_confirmation"
    page_title = _("Renvoyer la confirmation")
    button_icon = "mail"
    submit_label = _("Renvoyer la confirmation")
    form_class = ResendConfirmationForm

    @classmethod
    def is_available(cls, order):
        return order.state == OrderState.PAID

    def unavailable_message(self):
        return _("Seule une commande payée peut recevoir sa confirmation à nouveau.")

    def intro(self):
        return _(
            "La confirmation de la commande (avec les billets et le fichier de calendrier, "
            "s'il y a lieu) sera envoyée de nouveau à %(email)s."
        ) % {"email": self.object.buyer_email}

    def perform(self, form):
        services.resend_confirmation(self.object, user=self.request.user)
        return _("Confirmation de la commande %(code)s renvoyée à %(email)s.") % {
            "code": self.object.code,
            "email": self.object.buyer_email,
        }


class CancelOrderForm(forms.Form):
    reason = forms.CharField(
        label=_("Motif"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Noté dans le journal de la commande ; envoyé par courriel à la personne qui a "
            "payé avec l'avis de remboursement, s'il y en a un."
        ),
    )
    refund = forms.BooleanField(required=False)

    def __init__(self, *args, refundable, **kwargs):
        super().__init__(*args, initial={"refund": refundable > 0}, **kwargs)
        if refundable > 0:
            self.fields["refund"].label = _("Rembourser ce qui a été payé (%(amount)s)") % {
                "amount": cad(refundable)
            }
        else:
            del self.fields["refund"]


class OrderCancelView(OrderActionView):
    name = "cancel"
    page_title = _("Annuler la commande")
    button_icon = "cross"
    submit_label = _("Annuler la commande")
    destructive = True
    form_class = CancelOrderForm

    @classmethod
    def is_available(cls, order):
        return order.can_become(OrderState.CANCELLED) and why_not_cancellable(order) is None

    @classmethod
    def is_offered(cls, order):
        return order.can_become(OrderState.CANCELLED)

    def unavailable_message(self):
        return why_not_cancellable(self.object) or _(
            "La commande %(code)s ne peut pas être annulée."
        ) % {"code": self.object.code}

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs.pop("initial", None)
        # What cancelling gives back: not what staff kept on purpose (Order.kept_amount).
        order = self.object
        return {
            **kwargs,
            "refundable": order.refundable_on_cancel - services.pending_refunds(order),
        }

    def intro(self):
        text = _(
            "Les places et articles de la commande seront libérés et l'acheteur ou "
            "l'acheteuse en sera avisé par courriel."
        )
        if self.object.state == OrderState.PENDING and services.payment_clearing(self.object):
            text += " " + _(
                "Un paiement de cette commande est en traitement (débit préautorisé) : s'il "
                "arrive après l'annulation, il sera remboursé automatiquement."
            )
        return text

    def perform(self, form):
        services.cancel_order(
            self.object,
            user=self.request.user,
            reason=form.cleaned_data["reason"],
            refund=form.cleaned_data.get("refund", False),
        )
        return _("Commande %(code)s annulée.") % {"code": self.object.code}


class ResolveFlagForm(forms.Form):
    note = forms.CharField(
        label=_("Ce qui a été fait"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Noté dans le journal de la commande, pour l'équipe."),
    )


class OrderResolveFlagView(OrderActionView):
    name = "resolve_flag"
    page_title = _("Marquer comme traitée")
    button_icon = "check"
    submit_label = _("Marquer comme traitée")
    form_class = ResolveFlagForm

    @classmethod
    def is_available(cls, order):
        return bool(order.attention)

    def unavailable_message(self):
        return _("La commande %(code)s n'est pas signalée.") % {"code": self.object.code}

    def intro(self):
        return _("Signalée : %(reason)s") % {"reason": self.object.attention}

    def perform(self, form):
        services.resolve_flag(self.object, user=self.request.user, note=form.cleaned_data["note"])
        return _("Commande %(code)s marquée comme traitée.") % {"code": self.object.code}


ORDER_ACTIONS = (
    OrderRefundView,
    OrderResendConfirmationView,
    OrderResolveFlagView,
    OrderCancelView,
)
