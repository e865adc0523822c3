"""Forms of the shop: adding to the cart, changing quantities, checking out."""

from django import forms
from django.utils.translation import gettext_lazy as _
from localflavor.ca.forms import CAProvinceField, CAProvinceSelect

from cesiq_site.postal import PostalCodeField, postal_code_error, province_choices
from cesiq_site.validation import (
    CONSENT_REQUIRED,
    guard_text_fields,
    phone_number,
    printable_or_empty,
)

from .cart import MAX_QUANTITY
from .models import DeliveryMethod, Province


class AddToCartForm(forms.Form):
    variant = forms.TypedChoiceField(label=_("Format"), coerce=int, widget=forms.RadioSelect)
    quantity = forms.IntegerField(
        label=_("Quantité"),
        min_value=1,
        max_value=MAX_QUANTITY,
        initial=1,
        # No `size`: HTML allows it on text inputs only (site.css sets the width).
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"invalid": _("La quantité doit être un nombre entier.")},
    )

    def __init__(self, *args, variants=None, **kwargs):
        super().__init__(*args, **kwargs)
        if variants is not None:
            self.fields["variant"].choices = [(v.pk, v.display_label) for v in variants]
            if len(variants) == 1:
                self.fields["variant"].initial = variants[0].pk


class ContactForm(forms.Form):
    """Who buys: the checkout's contact details and consent."""

    # autocomplete tokens (WCAG 1.3.5): browsers and assistive tools fill them in.
    buyer_name = forms.CharField(
        label=_("Votre nom"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    buyer_email = forms.EmailField(
        label=_("Votre courriel"),
        help_text=_("Pour vous envoyer la confirmation et le reçu."),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    consent = forms.BooleanField(
        label=_(
            "J'accepte que le CÉSIQ conserve ces renseignements pour gérer ma commande, "
            "comme le décrit sa politique de confidentialité."
        ),
        error_messages={"required": CONSENT_REQUIRED},
    )
    # Spam trap: hidden from people, filled in by naive robots.
    website = forms.CharField(required=False, label=_("Ne pas remplir"))

    def __init__(self, *args, **kwargs):
        from orders import gift

        super().__init__(*args, **kwargs)
        # An optional gift added to the order (orders/gift.py).
        gift.add_fields(self)
        if "gift_street" in self.fields:
            self.fields["gift_street"].help_text = _(
                "Avec une livraison par la poste, laissez l'adresse vide : celle de la "
                "livraison sera utilisée."
            )
        guard_text_fields(self)

    def clean(self):
        from orders import gift

        data = super().clean()
        if data.get("website"):
            raise forms.ValidationError(
                _("Envoi refusé : le champ « Ne pas remplir », réservé aux robots, est rempli.")
            )
        self.gift_address_from_delivery(data)
        gift.clean(self, data)
        return data

    def gift_address_from_delivery(self, data):
        """A gift's receipt, the order shipped and no receipt address typed: the address just
        typed for the parcel (the same form's other half, DeliveryForm), rather than asking
        for it a second time. Any part that is not valid is left for the gift's own check."""
        if not self.gift_offer or (data.get("gift_street") or "").strip():
            return
        raw = self.data
        if raw.get("delivery") != DeliveryMethod.SHIPPING:
            return
        try:
            postal_code = PostalCodeField().clean(raw.get("postal_code", ""))
            province = CAProvinceField().clean(raw.get("province", ""))
        except forms.ValidationError:
            return
        street = " ".join(
            part.strip() for part in (raw.get("address", ""), raw.get("address_2", "")) if part
        )
        data.update(
            gift_street=street[:200],
            gift_city=(raw.get("city") or "").strip()[:100],
            gift_province=province,
            gift_postal_code=postal_code,
        )

    def gift_fields(self):
        from orders import gift

        return gift.fields_of(self) if self.gift_offer else []

    def gift_selection(self):
        from orders import gift

        return gift.selection(self, donor_name=self.cleaned_data["buyer_name"])


class DeliveryForm(forms.Form):
    """How the products reach the buyer, and a discount code: what the totals depend on.

    With `partial` (the "Recalculer" button) an address not yet complete is no error: the
    totals only need the method and the province; what is typed is still checked.
    """

    ADDRESS_FIELDS = ("address", "city", "province", "postal_code")

    delivery = forms.ChoiceField(
        label=_("Réception de vos achats"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.OFFICE,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": _("Choisissez un mode de réception proposé.")},
    )
    pickup_date = forms.TypedChoiceField(
        label=_("Activité où récupérer la commande"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={
            "invalid_choice": _("Cette activité n'est plus proposée : choisissez-en une autre.")
        },
    )
    address = forms.CharField(label=_("Adresse"), max_length=200, required=False)
    address_2 = forms.CharField(
        label=_("Appartement, bureau (facultatif)"), max_length=100, required=False
    )
    city = forms.CharField(label=_("Ville"), max_length=100, required=False)
    province = CAProvinceField(
        label=_("Province ou territoire"),
        required=False,
        widget=CAProvinceSelect,
        error_messages={"invalid": _("Choisissez une province ou un territoire du Canada.")},
    )
    postal_code = PostalCodeField(
        label=_("Code postal"),
        required=False,
        max_length=10,
        help_text=_("Par exemple : G1R 2B5"),
        error_messages={"invalid": _("Entrez un code postal canadien, par exemple G1R 2B5.")},
    )
    phone = forms.CharField(
        label=_("Téléphone (facultatif)"),
        max_length=40,
        required=False,
        help_text=_("Seulement pour le transporteur, en cas de problème de livraison."),
    )
    discount_code = forms.CharField(label=_("Code de rabais"), max_length=40, required=False)

    def __init__(self, *args, has_products=True, partial=False, pickup_dates=(), **kwargs):
        from .delivery import pickup_date_label

        super().__init__(*args, **kwargs)
        self.has_products = has_products
        self.partial = partial
        self.dates = {date.pk: date for date in pickup_dates}
        self.fields["pickup_date"].choices = [("", "—")] + [
            (pk, pickup_date_label(date)) for pk, date in self.dates.items()
        ]
        self.fields["province"].widget.choices = [("", "—"), *province_choices()]
        self.fields["province"].widget.attrs["autocomplete"] = "address-level1"
        self.fields["address"].widget.attrs["autocomplete"] = "address-line1"
        self.fields["address_2"].widget.attrs["autocomplete"] = "address-line2"
        self.fields["city"].widget.attrs["autocomplete"] = "address-level2"
        self.fields["postal_code"].widget.attrs["autocomplete"] = "postal-code"
        self.fields["phone"].widget.attrs["autocomplete"] = "tel"
        self.fields["phone"].widget.input_type = "tel"
        if not self.dates:
            self.fields["delivery"].choices = [
                c for c in DeliveryMethod.choices if c[0] != DeliveryMethod.ACTIVITY
            ]
        if not has_products:
            # Tickets alone: nothing to deliver.
            for name in list(self.fields):
                if name != "discount_code":
                    del self.fields[name]
        guard_text_fields(self)

    def clean_phone(self):
        phone = self.cleaned_data.get("phone", "").strip()
        return phone_number(phone) if phone else ""

    def clean(self):
        data = super().clean()
        method = data.get("delivery")
        if (
            method == DeliveryMethod.ACTIVITY
            and not data.get("pickup_date")
            and not self.partial
            and "pickup_date" not in self.errors
        ):
            self.add_error(
                "pickup_date", _("Choisissez l'activité où vous récupérerez votre commande.")
            )
        if method == DeliveryMethod.SHIPPING:
            if not self.partial:
                for name in self.ADDRESS_FIELDS:
                    if not data.get(name) and name not in self.errors:
                        # Named: the summary at the top lists these four messages together.
                        self.add_error(
                            name,
                            _("« %(field)s » est requis pour une livraison.")
                            % {"field": self.fields[name].label},
                        )
            error = postal_code_error(data.get("postal_code"), data.get("province"))
            if error:
                self.add_error("postal_code", error)
        return data

    def destination(self):
        """Where the products go, as far as the form says: from the valid data, else from
        the raw choices (so that "Recalculer" follows the method and province chosen even
        while the address is incomplete)."""
        from .delivery import Destination

        if not self.has_products:
            return Destination()
        data = self.cleaned_data if self.is_bound and hasattr(self, "cleaned_data") else {}
        raw = self.data if self.is_bound else {}
        method = data.get("delivery") or raw.get("delivery") or DeliveryMethod.OFFICE
        if method not in DeliveryMethod.values or (
            method == DeliveryMethod.ACTIVITY and not self.dates
        ):
            method = DeliveryMethod.OFFICE
        province = data.get("province") or str(raw.get("province", "")).strip().upper()
        province = province if province in Province.values else None
        date = None
        if method == DeliveryMethod.ACTIVITY:
            try:
                date = self.dates.get(int(data.get("pickup_date") or raw.get("pickup_date")))
            except (TypeError, ValueError):
                date = None
        return Destination(
            method=method,
            province=province if method == DeliveryMethod.SHIPPING else None,
            pickup_date=date,
        )

    def discount_code_value(self):
        data = getattr(self, "cleaned_data", {})
        if "discount_code" in data:
            return data["discount_code"]
        return printable_or_empty(self.data.get("discount_code", ""), 40) if self.is_bound else ""

    def shipping_address(self):
        data = self.cleaned_data
        return {
            name: data.get(name) or ""
            for name in ("address", "address_2", "city", "postal_code", "phone")
        }
