"""Activities: pages editors publish, the dates (séances) people register for, ticket types
and the attendees that paid or free registrations create."""

import secrets
from decimal import Decimal

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import cached_property
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import StreamField
from wagtail.models import Locale, Orderable, Page, PreviewableMixin, TranslatableMixin
from wagtail.search import index

from cesiq_site.admin_forms import ThemedPageForm
from cesiq_site.routing import LocalizedRoutesMixin
from cesiq_site.typography import french_text
from cesiq_site.validation import NOT_NEGATIVE
from home.blocks import BodyBlock
from home.snippets import EditorialSnippet, revisions_relation, workflow_states_relation
from orders import availability
from orders.models import OrderLine, Quota
from orders.money import format_cad
from orders.purchasable import HoldRule, NotAvailable, Purchasable


class Audience(models.TextChoices):
    SCHOOL = "scolaire", _("Scolaire")
    YOUTH = "jeunesse", _("Jeunesse")
    ADULTS = "adultes", _("Adultes")


class EventFormat(models.TextChoices):
    WORKSHOP = "atelier", _("Atelier")
    TALK = "conference", _("Conférence")
    SCREENING = "projection", _("Projection")
    TRAINING = "formation", _("Formation")
    SCHOOL_VISIT = "animation", _("Animation scolaire")
    ACTION = "mobilisation", _("Mobilisation")


class AttendanceMode(models.TextChoices):
    IN_PERSON = "presentiel", _("En personne")
    ONLINE = "en-ligne", _("En ligne")
    MIXED = "hybride", _("En personne et en ligne")


# An order for a whole school (several classes) stays possible; beyond, staff register it.
MAX_PLACES_PER_ORDER = 200


class EventStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Prévue")
    CANCELLED = "cancelled", _("Annulée")
    POSTPONED = "postponed", _("Reportée")


class Theme(EditorialSnippet, TranslatableMixin):
    name = models.CharField(_("nom"), max_length=80)
    slug = models.SlugField(_("identifiant"), max_length=80)
    _revisions = revisions_relation("theme")
    workflow_states = workflow_states_relation("theme")

    panels = [FieldPanel("name"), FieldPanel("slug")]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("thème")
        verbose_name_plural = _("thèmes")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Venue(EditorialSnippet, PreviewableMixin, TranslatableMixin):
    """Where an activity takes place. An activity page shows its venue's row, which is the
    venue's published content (drafts wait in revisions), even if someone later unpublishes
    the venue: attendees of a published activity still need its address and accessibility.
    Unpublishing a venue only takes it out of the lists that offer venues to choose."""

    name = models.CharField(_("nom"), max_length=150)
    street_address = models.CharField(_("adresse"), max_length=200)
    city = models.CharField(_("ville"), max_length=100, default="Québec")
    postal_code = models.CharField(_("code postal"), max_length=10, blank=True)
    accessibility = models.TextField(
        _("accessibilité"),
        blank=True,
        help_text=_("Entrée, ascenseur, toilettes, stationnement, transport en commun…"),
    )
    _revisions = revisions_relation("venue")
    workflow_states = workflow_states_relation("venue")

    panels = [
        FieldPanel("name"),
        FieldPanel("street_address"),
        FieldRowPanel([FieldPanel("city"), FieldPanel("postal_code")]),
        FieldPanel("accessibility"),
    ]

    class Meta(TranslatableMixin.Meta):
        verbose_name = _("lieu")
        verbose_name_plural = _("lieux")
        ordering = ["name"]

    def __str__(self):
        return self.name

    @property
    def full_address(self):
        return ", ".join(p for p in [self.street_address, self.city, self.postal_code] if p)

    def get_preview_template(self, request, mode_name):
        return "events/venue_preview.html"

    def get_preview_context(self, request, mode_name):
        return {**super().get_preview_context(request, mode_name), "venue": self}


class AttendeeNames(models.TextChoices):
    OFF = "off", _("Ne pas demander")
    OPTIONAL = "optional", _("Facultatifs")
    REQUIRED = "required", _("Obligatoires")


class EventIndexPage(LocalizedRoutesMixin, RoutablePageMixin, Page):
    """ "Activités": the calendar of upcoming activities, with filters that need no JavaScript."""

    introduction = models.TextField(_("introduction"), blank=True)

    content_panels = Page.content_panels + [FieldPanel("introduction")]
    subpage_types = ["events.EventPage"]
    parent_page_types = ["home.HomePage"]

    class Meta:
        verbose_name = _("liste d'activités")

    # Wagtail page paths allow no dot, so the .ics file is named by its headers. Each language
    # has its own address; both answer on either page.
    FEED_PATHS = {"fr": "calendrier/", "en": "calendar/"}

    @path("calendar/", name="feed_en")
    @path("calendrier/", name="feed")
    @path("calendar/", name="feed__en")
    def calendar_feed(self, request):
        """A subscribable feed of upcoming activities, filtered like the list
        (?audience=adultes&theme=<key>)."""
        from django.http import HttpResponse

        from .listing import feed_pages
        from .tickets import calendar, vevent

        events = [
            vevent(page, date, url=request.build_absolute_uri(page.url))
            for page in feed_pages(self, request)
            for date in page.upcoming_dates
        ]
        response = HttpResponse(
            calendar(events, name=f"CÉSIQ — {self.title}"),
            content_type="text/calendar; charset=utf-8",
        )
        response["Cache-Control"] = "public, max-age=900"
        return response

    def feed_url(self, request):
        """The subscribable feed of this list, in the page's language, with the list's
        audience and theme filters (the ones the feed understands)."""
        from django.utils.http import urlencode

        from cesiq_site.request_memo import language_code

        path = self.url + self.FEED_PATHS.get(language_code(self), "calendrier/")
        kept = {k: request.GET[k] for k in ("audience", "theme") if request.GET.get(k)}
        return path + ("?" + urlencode(kept) if kept else "")

    def get_context(self, request, *args, **kwargs):
        from .listing import activity_listing

        context = super().get_context(request, *args, **kwargs)
        context.update(activity_listing(self, request))
        context["feed_url"] = self.feed_url(request)
        return context


# What lives on the French page only: a translation sells its source's dates and tickets and
# asks its source's questions (EventPage.source).
SOURCE_ONLY = ("dates", "ticket_types", "questions")


class EventPageForm(ThemedPageForm):
    def clean(self):
        """A translation's dates, tickets and questions are its source's: changes made to
        them there were saved to rows nobody reads and lost without a word (a date moved,
        999 places). Refused, with where to make them."""
        cleaned = super().clean()
        page = self.instance
        if page.pk and page.locale_id != Locale.get_default().pk:
            changed = [name for name in SOURCE_ONLY if self.formsets[name].has_changed()]
            if changed:
                raise ValidationError(
                    _(
                        "Les dates, les billets et les questions se modifient sur la page en "
                        "français : cette traduction reprend les siens. Faites-y ces "
                        "changements et annulez-les ici."
                    )
                )
        else:
            if page.pk:
                self._check_what_was_sold(page)
                self._check_status(page, cleaned.get("status"))
            self._check_no_twins()
        opens, closes = cleaned.get("registration_opens_at"), cleaned.get("registration_closes_at")
        if opens and closes and closes <= opens:
            self.add_error(
                "registration_closes_at",
                _("La fin des inscriptions doit venir après leur ouverture."),
            )
        return cleaned

    def _check_status(self, page, status):
        """« Annulée » or « Reportée » for the whole activity tells nobody and refunds
        nothing: with people registered on dates still scheduled (or, for « Annulée », postponed
        without a new date, or where shop orders are to be picked up), refused, with the way
        that does (each date cancelled or postponed by the box office, which also flags the
        pickups). Once they are, the status may follow."""
        if status not in (EventStatus.CANCELLED, EventStatus.POSTPONED):
            return
        if EventPage.objects.filter(pk=page.pk, status=status).exists():
            return  # unchanged
        from .registry import handovers_for

        coming = Q(status=EventStatus.SCHEDULED, end__gt=timezone.now())
        if status == EventStatus.CANCELLED:
            # A date postponed with no new one yet keeps its people, told it would come back.
            coming |= Q(status=EventStatus.POSTPONED)
        dates = list(EventDate.objects.filter(coming, page_id=page.pk))
        taken = availability.usage([date.quota_id for date in dates if date.quota_id])
        registered = any(used.taken for used in taken.values())
        to_hand_over = status == EventStatus.CANCELLED and any(
            handovers_for(date) for date in dates
        )
        if to_hand_over and not registered:
            self.add_error(
                "status",
                _(
                    "Des commandes de la boutique doivent être remises à l'accueil d'une date "
                    "à venir : ce statut ne le signalerait à personne. Faites annuler chaque "
                    "date par la billetterie (Accueil et participants) : ces commandes sont "
                    "alors signalées à l'équipe de la boutique. Le statut de l'activité peut "
                    "suivre ensuite."
                ),
            )
        elif registered:
            self.add_error(
                "status",
                _(
                    "Des personnes sont inscrites à des dates à venir : ce statut ne les "
                    "préviendrait pas et ne rembourserait rien. Faites annuler ou reporter "
                    "chaque date par la billetterie (Accueil et participants) : les personnes "
                    "inscrites sont prévenues, et remboursées si la date est annulée. Le statut "
                    "de l'activité peut suivre ensuite."
                ),
            )

    def _check_no_twins(self):
        """Two dates at the same time, or two ticket types of one name, are one entered twice:
        the page listed the date twice, and the form two « Régulier » nobody could tell apart.
        Only a row added or changed here is refused (a date postponed onto another's time, or
        a cancelled date kept beside a new one, must not lock the page), and a cancelled date
        counts for nothing."""
        errors = []
        dates = [
            form
            for form in self._kept_forms("dates") or ()
            if form.instance.status != EventStatus.CANCELLED
        ]
        for form in dates:
            start = form.cleaned_data.get("start")
            if start is None or not self._added_or_changed(form, "start"):
                continue
            if any(
                other.cleaned_data.get("start") == start for other in dates if other is not form
            ):
                errors.append(
                    _("La date du %(date)s est entrée deux fois : retirez l'une des deux.")
                    % {"date": date_format(timezone.localtime(start), "DATETIME_FORMAT")}
                )
        tickets = self._kept_forms("ticket_types") or ()

        def name_of(form, field):
            return " ".join(str(form.cleaned_data.get(field) or "").split())

        # The English names too: two « Regular » on the English form.
        for form, field in ((f, field) for f in tickets for field in ("name", "name_en")):
            name = name_of(form, field)
            if not name or not self._added_or_changed(form, field):
                continue
            if any(
                name_of(other, field).casefold() == name.casefold()
                for other in tickets
                if other is not form
            ):
                errors.append(
                    _(
                        "Deux billets s'appellent « %(name)s » : donnez à chacun un nom qui le "
                        "distingue (Régulier, Étudiant·e…)."
                    )
                    % {"name": name}
                )
        if errors:
            raise ValidationError(list(dict.fromkeys(str(error) for error in errors)))

    @staticmethod
    def _added_or_changed(form, field):
        return not form.instance.pk or field in form.changed_data

    def _kept_forms(self, name):
        """The rows of an inline panel this form keeps, new ones included (not deleted, not
        left empty); None when the panel has errors of its own, shown with it."""
        formset = self.formsets.get(name)
        if formset is None or not formset.is_valid():
            return None
        return [
            form
            for form in formset.forms
            if form.has_changed() or form.instance.pk
            if not (formset.can_delete and formset._should_delete_form(form))
        ]

    def _kept(self, name):
        """{pk: form} of the rows of an inline panel kept by this form (not deleted); None
        when the panel has errors of its own, shown with it."""
        formset = self.formsets[name]
        if not formset.is_valid():  # the rows are cleaned (this form is cleaned first)
            return None
        return {
            form.instance.pk: form
            for form in formset.forms
            if form.instance.pk and not (formset.can_delete and formset._should_delete_form(form))
        }

    def _check_what_was_sold(self, page):
        """What people registered for stays: a date or a ticket type with registrations
        could not be deleted on publishing (the tickets hold on to them), and the draft
        saved before would never publish again; a date's places do not go below those
        taken. Refused, with what to do instead."""
        errors = []
        dates, tickets = self._kept("dates"), self._kept("ticket_types")
        if dates is None or tickets is None:
            return
        gone = EventDate.objects.filter(page=page).exclude(pk__in=dates)
        for date in gone.filter(
            Q(attendees__isnull=False) | Q(quota__order_lines__isnull=False)
        ).distinct():
            errors.append(
                _(
                    "La date du %(date)s a des inscriptions : elle ne peut pas être retirée. "
                    "Remettez-la, puis annulez-la dans Accueil et participants : les "
                    "personnes inscrites sont prévenues et remboursées."
                )
                % {"date": date}
            )
        stored = EventDate.objects.filter(pk__in=dates).only("pk", "quota_id", "start", "end")
        taken = availability.usage([d.quota_id for d in stored if d.quota_id])
        for date in stored:
            capacity = dates[date.pk].cleaned_data.get("capacity")
            used = taken[date.quota_id].taken if date.quota_id in taken else 0
            # To the minute, as the editor shows it: a stored time with seconds (made by a
            # script) posted back unchanged is no move.
            moved = any(
                (typed := dates[date.pk].cleaned_data.get(field)) is not None
                and typed.replace(second=0, microsecond=0)
                != getattr(date, field).replace(second=0, microsecond=0)
                for field in ("start", "end")
            )
            if used and moved:
                # Its tickets and confirmations say the old time: changed here, nobody who
                # registered would be told. « Reporter » tells them, and lets them cancel.
                errors.append(
                    _(
                        "La date du %(date)s a des inscriptions : son heure ne se change pas "
                        "ici, les personnes inscrites n'en seraient pas prévenues. Remettez "
                        "l'heure, puis faites reporter la date par la billetterie (Accueil et "
                        "participants, « Reporter cette date ») : elles sont prévenues et "
                        "peuvent annuler."
                    )
                    % {"date": date}
                )
            if capacity is not None and capacity < used:
                errors.append(
                    ngettext(
                        "La date du %(date)s a déjà %(taken)s place vendue ou réservée : "
                        "elle ne peut pas avoir moins de places.",
                        "La date du %(date)s a déjà %(taken)s places vendues ou réservées : "
                        "elle ne peut pas avoir moins de places.",
                        used,
                    )
                    % {"date": date, "taken": used}
                )
        for ticket in TicketType.objects.filter(page=page).exclude(pk__in=tickets):
            if ticket.sold():
                errors.append(
                    _(
                        "Le billet « %(ticket)s » a été vendu : il ne peut pas être retiré. "
                        "Remettez-le, puis arrêtez sa vente (« en vente jusqu'au »)."
                    )
                    % {"ticket": ticket.name}
                )
        if errors:
            raise ValidationError(errors)


class EventPage(LocalizedRoutesMixin, RoutablePageMixin, Page):
    base_form_class = EventPageForm

    summary = models.TextField(_("résumé"), max_length=400)
    image = models.ForeignKey(
        "wagtailimages.Image",
        verbose_name=_("image"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(BodyBlock(), verbose_name=_("description"), blank=True)
    audience = models.CharField(_("public"), max_length=12, choices=Audience.choices)
    format = models.CharField(_("format"), max_length=14, choices=EventFormat.choices)
    attendance_mode = models.CharField(
        _("participation"),
        max_length=12,
        choices=AttendanceMode.choices,
        default=AttendanceMode.IN_PERSON,
    )
    themes = ParentalManyToManyField(Theme, verbose_name=_("thèmes"), blank=True)
    venue = models.ForeignKey(
        Venue, verbose_name=_("lieu"), null=True, blank=True, on_delete=models.SET_NULL
    )
    online_link = models.URLField(
        _("lien de la rencontre en ligne"),
        blank=True,
        help_text=_("Envoyé seulement aux personnes inscrites, jamais affiché sur le site."),
    )
    organisers = models.CharField(_("organisé par"), max_length=250, blank=True)
    status = models.CharField(
        _("statut"), max_length=10, choices=EventStatus.choices, default=EventStatus.SCHEDULED
    )
    registration_opens_at = models.DateTimeField(
        _("inscriptions à partir du"), null=True, blank=True
    )
    registration_closes_at = models.DateTimeField(
        _("inscriptions jusqu'au"),
        null=True,
        blank=True,
        help_text=_("Vide : jusqu'au début de chaque date."),
    )
    external_registration_url = models.URLField(
        _("inscription chez un partenaire"),
        blank=True,
        help_text=_("Pour une activité dont un partenaire gère les inscriptions."),
    )
    cancellation_hours = models.PositiveIntegerField(
        _("annulation possible jusqu'à (heures avant)"), default=48
    )
    max_places_per_order = models.PositiveSmallIntegerField(
        _("places par inscription (au plus)"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PLACES_PER_ORDER)],
        help_text=_(
            "Pour une date, toutes sortes de billets confondues, gratuits compris. C'est aussi "
            "le plus de places qu'une même connexion peut garder sans les payer."
        ),
    )
    confirm_free_by_email = models.BooleanField(
        _("confirmer les inscriptions gratuites par courriel"),
        default=False,
        help_text=_(
            "L'inscription gratuite n'est confirmée, et les billets envoyés, que lorsque la "
            "personne suit le lien reçu par courriel ; ses places sont gardées en attendant, "
            "puis libérées."
        ),
    )

    attendee_names = models.CharField(
        _("noms des participant·es"),
        max_length=10,
        choices=AttendeeNames.choices,
        default=AttendeeNames.OPTIONAL,
        help_text=_(
            "Un champ de nom par billet, sur le formulaire d'inscription ; le nom figure sur le "
            "billet, la liste des participant·es et la page d'accueil (entrées)."
        ),
    )

    allow_invoice = models.BooleanField(
        _("Permettre le paiement sur facture (groupes scolaires)"),
        default=False,
        help_text=_(
            "Une école peut choisir « Payer sur facture » à l'inscription : la facture lui est "
            "envoyée (paiement par chèque ou virement, 30 jours) et ses places sont gardées "
            "jusqu'au paiement ou jusqu'à ce que l'équipe annule la commande."
        ),
    )

    content_panels = Page.content_panels + [
        FieldPanel("summary"),
        FieldPanel("image"),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("audience"), FieldPanel("format")]),
                FieldPanel("themes"),
                FieldPanel("attendance_mode"),
                FieldPanel("venue"),
                FieldPanel("online_link"),
                FieldPanel("organisers"),
            ],
            heading=_("Pour qui, où"),
        ),
        InlinePanel(
            "dates",
            heading=_("Dates"),
            label=_("Date"),
            help_text=_("Sur la page en français seulement : la traduction vend les mêmes places."),
        ),
        InlinePanel(
            "ticket_types",
            heading=_("Billets"),
            label=_("Type de billet"),
            help_text=_("Sur la page en français seulement."),
        ),
        InlinePanel(
            "questions",
            heading=_("Questions aux personnes inscrites"),
            label=_("Question"),
            help_text=_("Sur la page en français seulement. Ne demandez que le nécessaire."),
        ),
        MultiFieldPanel(
            [
                FieldPanel("status"),
                FieldRowPanel(
                    [FieldPanel("registration_opens_at"), FieldPanel("registration_closes_at")]
                ),
                FieldPanel("cancellation_hours"),
                FieldRowPanel(
                    [FieldPanel("max_places_per_order"), FieldPanel("confirm_free_by_email")]
                ),
                FieldPanel("attendee_names"),
                FieldPanel("allow_invoice"),
                FieldPanel("external_registration_url"),
            ],
            heading=_("Inscriptions"),
        ),
        FieldPanel("body"),
    ]
    search_fields = Page.search_fields + [
        index.SearchField("summary"),
        index.SearchField("body"),
        index.FilterField("audience"),
    ]
    parent_page_types = ["events.EventIndexPage"]
    subpage_types = []

    class Meta:
        verbose_name = _("activité")
        verbose_name_plural = _("activités")

    @cached_property
    def source(self):
        """The French page. Dates, places and tickets live on it only, so that both languages
        sell the same places; a translation shows its source's."""
        default = Locale.get_default()
        if self.locale_id == default.pk:
            return self
        return self.get_translation_or_none(default) or self

    def _drop_own_rows(self):
        """A translation's own dates, tickets and questions go, but for a row something still
        refers to (a shop order picked up at a copied date, before copies were left out): it
        stays rather than make the page impossible to save, publish or unpublish."""
        for name, model in (
            ("questions", Question),
            ("ticket_types", TicketType),
            ("dates", EventDate),
        ):
            kept = []
            for row in model.objects.filter(page=self) if self.pk else ():
                try:
                    with transaction.atomic():
                        row.delete()
                except models.ProtectedError:
                    kept.append(row)
            setattr(self, name, kept)

    def has_source(self):
        """Whether this page is the translation of a French page (`source`)."""
        default = Locale.get_default()
        return (
            self.locale_id is not None
            and self.locale_id != default.pk
            and EventPage.objects.filter(
                translation_key=self.translation_key, locale=default
            ).exists()
        )

    @cached_property
    def upcoming_dates(self):
        now = timezone.now()
        return [d for d in self.source.dates.all() if d.end > now]

    @cached_property
    def bookable_dates(self):
        """Upcoming dates open to registration: scheduled (neither cancelled nor postponed)
        and not yet begun."""
        now = timezone.now()
        return [d for d in self.upcoming_dates if d.on_sale(now)]

    @property
    def shown_venue(self):
        """The venue in the language shown (its published copy), else as chosen."""
        return self.venue.localized if self.venue is not None else None

    def shown_themes(self):
        """The published themes, in the page's language where their copy is published."""
        return [theme.localized for theme in self.themes.all() if theme.live]

    @property
    def display_date(self):
        """The next date, or for a past activity its last one."""
        dates = list(self.source.dates.all())
        return self.next_date or (dates[-1] if dates else None)

    @property
    def next_date(self):
        """The next date one can register for, else the next one (cancelled or postponed,
        shown as such)."""
        dates = self.bookable_dates or self.upcoming_dates
        return dates[0] if dates else None

    @property
    def is_cancelled(self):
        return self.source.status == EventStatus.CANCELLED

    def public_ticket_types(self, discount_code="", member=False):
        """Tickets on sale; those kept for code holders only with a usable discount code, and
        those kept for members only for a member (events.registry.member_checks)."""
        unlocked = bool(discount_code) and usable_discount_code(discount_code) is not None
        return [
            t
            for t in self.source.ticket_types.all()
            if t.on_sale()
            and (unlocked or not t.hidden_until_code)
            and (member or not t.members_only)
        ]

    def visible_ticket_types(self):
        """Every ticket type shown publicly (not those kept for code holders or members)."""
        return [
            t
            for t in self.source.ticket_types.all()
            if not t.hidden_until_code and not t.members_only
        ]

    def member_ticket_types(self):
        """Ticket types kept for members: the page says a member price exists."""
        return [t for t in self.source.ticket_types.all() if t.members_only and t.on_sale()]

    def offers_invoice(self):
        """Whether a group may pay this activity by invoice: editors allow it, something is
        to pay, and an app bills invoices (schools, through events.registry.invoicing)."""
        from .registry import invoicer

        source = self.source
        return (
            source.allow_invoice
            and invoicer() is not None
            and any(t.kind != TicketKind.FREE for t in source.ticket_types.all())
        )

    @property
    def is_free(self):
        types = self.visible_ticket_types()
        return bool(types) and all(t.kind == TicketKind.FREE for t in types)

    @property
    def lowest_price(self):
        prices = [t.price for t in self.visible_ticket_types() if t.kind != TicketKind.FREE]
        return min(prices) if prices else Decimal("0")

    def _saved_parts(self, request):
        """What this page shows that only a save can change: its French source with its
        dates and ticket types read, its venue, its themes, its structured data's fixed
        parts."""
        import copy

        source = self.source if self.source is not self else copy.copy(self)
        models.prefetch_related_objects([source], "dates", "ticket_types")
        if self.source is self:
            self._prefetched_objects_cache = dict(source._prefetched_objects_cache)
        return {
            "source": source,
            "venue": self.shown_venue,
            "themes": self.shown_themes(),
            "json_ld": event_json_ld_parts(self, request),
        }

    def read_saved_parts(self, request):
        """_saved_parts(), kept for the content generation per page, language and address
        (cesiq_site/render_cache.py) and only read: what time and places left change (which
        dates are upcoming, what is left on them) is worked out for each request."""
        import copy

        from django.utils import translation

        from cesiq_site.render_cache import shared

        if getattr(request, "is_preview", False):  # a draft: its own content
            return self._saved_parts(request)
        key = (
            "activity page",
            self.pk,
            translation.get_language(),
            request.scheme,
            request.get_host(),
        )
        parts = shared(key, lambda: self._saved_parts(request))
        if self.locale_id == parts["source"].locale_id:
            self._prefetched_objects_cache = dict(parts["source"]._prefetched_objects_cache)
        else:
            self.__dict__["source"] = copy.copy(parts["source"])
        self._state.fields_cache["venue"] = parts["venue"]
        return parts

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        now = timezone.now()
        # Dates, ticket types, venue, themes: read once per content generation.
        parts = self.read_saved_parts(request)
        context["themes"] = parts["themes"]
        # Places left on every date in one query.
        found = availability.usage([date.quota_id for date in self.upcoming_dates], now)
        context["dates"] = [
            (date, max(found[date.quota_id].left, 0)) for date in self.upcoming_dates
        ]
        context["few_places"] = LIMITED_PLACES  # from how many the page says how many are left
        bookable = [left for date, left in context["dates"] if date.on_sale(now)]
        context["all_full"] = bool(bookable) and all(left <= 0 for left in bookable)
        context["ticket_types"] = self.visible_ticket_types()
        context["taxes_extra"] = taxes_extra(context["ticket_types"])
        context["member_tickets"] = self.member_ticket_types()
        context["member_ticket_ids"] = tuple(t.pk for t in context["member_tickets"])
        context["json_ld"] = event_json_ld(self, request, now, found, parts["json_ld"])
        from .tickets import google_calendar_url

        url = request.build_absolute_uri(self.url)
        context["google_links"] = {
            date.pk: google_calendar_url(self, date, url) for date in self.upcoming_dates
        }
        # « Ajouter à mon agenda » only while a date is still to come (not all cancelled).
        context["calendar_file"] = any(not date.is_cancelled for date in self.upcoming_dates)
        context["registration_open"] = self.registration_open(now)
        if context["registration_open"]:
            # Tickets the shop's cart can take (see TicketType.sold_through_cart); the form
            # posts to the cart, which checks everything again.
            context["cart_tickets"] = [
                t for t in self.public_ticket_types() if t.sold_through_cart()
            ]
            context["cart_dates"] = [
                date for date, left in context["dates"] if date.on_sale(now) and left > 0
            ]
        return context

    @path("calendrier/", name="ics")
    @path("calendar/", name="ics__en")
    def ics_view(self, request):
        from django.http import HttpResponse

        from .tickets import calendar, vevent

        url = request.build_absolute_uri(self.url)
        body = calendar(
            [vevent(self, d, url=url) for d in self.source.dates.all()], name=self.title
        )
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{self.slug}.ics"'
        return response

    @path("liste-attente/", name="waiting_list")
    @path("waiting-list/", name="waiting_list__en")
    def waiting_list_view(self, request):
        from .views import join_waiting_list

        return join_waiting_list(request, self)

    @path("inscription/", name="register")
    @path("register/", name="register__en")
    def register_view(self, request):
        from .views import register

        return register(request, self)

    def save(self, *args, **kwargs):
        previous = (
            EventPage.objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if self.pk
            else None
        )
        if self.has_source():
            # A translation sells its source's dates and tickets and asks its questions: rows
            # of its own (copied by « Traduire », or kept in an older revision) would be places
            # nobody reads, shown twice among the dates and the pickups at activities.
            self._drop_own_rows()
            # « Traduire » keeps the French venue: its copy in the page's language, if any.
            if self.venue is not None and self.venue.locale_id != self.locale_id:
                self.venue = self.venue.get_translation_or_none(self.locale) or self.venue
        super().save(*args, **kwargs)
        if previous is not None and previous != self.status:
            # Every date's calendar entry changes status with its activity.
            EventDate.objects.filter(page_id=self.pk).update(sequence=models.F("sequence") + 1)

    def with_content_from(self, display):
        """Used by the listing: show `display` (a translation) with this page's dates."""
        display.__dict__["source"] = self
        return display

    def registration_open(self, now=None):
        now = now or timezone.now()
        source = self.source
        if source.status != EventStatus.SCHEDULED or source.external_registration_url:
            return False
        if not source.live:  # unpublished in French: its translation sells nothing either
            return False
        if source.registration_opens_at and now < source.registration_opens_at:
            return False
        if source.registration_closes_at and now > source.registration_closes_at:
            return False
        return bool(self.bookable_dates) and bool(self.public_ticket_types())

    def registration_closed_reason(self, now=None):
        """Why `registration_open` says no, as the registration page tells it."""
        from django.utils import formats

        now = now or timezone.now()
        source = self.source

        def when(moment):
            return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")

        if source.status == EventStatus.CANCELLED:
            return gettext("Cette activité est annulée : elle ne prend plus d'inscriptions.")
        if source.status == EventStatus.POSTPONED:
            return gettext(
                "Cette activité est reportée ; les inscriptions reprendront avec la nouvelle date."
            )
        if source.external_registration_url:
            return gettext("Les inscriptions se font chez notre partenaire.")
        if source.registration_opens_at and now < source.registration_opens_at:
            return gettext("Les inscriptions ouvriront le %(date)s.") % {
                "date": when(source.registration_opens_at)
            }
        if source.registration_closes_at and now > source.registration_closes_at:
            return gettext("Les inscriptions sont closes depuis le %(date)s.") % {
                "date": when(source.registration_closes_at)
            }
        if not self.bookable_dates:
            return gettext("Aucune date à venir de cette activité ne prend d'inscriptions.")
        return gettext("Les inscriptions à « %(title)s » ne sont pas ouvertes en ce moment.") % {
            "title": self.title
        }


def taxes_extra(tickets):
    """Whether the prices of these tickets are before taxes (the GST and QST are added at
    payment): taxes are charged and one of them has a price."""
    from orders.services import current_settings

    return any(t.kind != TicketKind.FREE for t in tickets) and current_settings().taxes_enabled


def with_sources(pages):
    """The activity pages, each with its French source set and the sources' dates read: two
    queries for any number of pages (a related-activities list reads `next_date` on each)."""
    pages = list(pages)
    default = Locale.get_default()
    translated = [page for page in pages if page.locale_id != default.pk]
    if translated:
        sources = {
            source.translation_key: source
            for source in EventPage.objects.filter(
                translation_key__in=[page.translation_key for page in translated],
                locale=default,
            )
        }
        for page in translated:
            # What `EventPage.source` would answer, one page at a time.
            page.__dict__["source"] = sources.get(page.translation_key, page)
    models.prefetch_related_objects([page.source for page in pages], "dates")
    return pages


def soonest_first(pages, limit):
    """The activity pages (read by `with_sources`) that have a date to come, soonest first, at
    most `limit`, and the first moment after now when one of their dates starts or ends
    (None: never): until then, time alone changes nothing in that list."""
    shown = [page for page in pages if page.next_date is not None]
    shown.sort(key=lambda page: page.next_date.start)
    return shown[:limit], next_change(pages)


def next_change(pages):
    """The first moment after now when a date of one of the activity pages (read by
    `with_sources`) starts or ends (None: never): what they show of their dates holds until
    then."""
    now = timezone.now()
    moments = [
        moment
        for page in pages
        for date in page.source.dates.all()
        for moment in (date.start, date.end)
        if moment > now
    ]
    return min(moments, default=None)


def kept_related_activities(page, request, related):
    """`related()` (a page's related activities: `soonest_first`'s pair), kept per content
    generation and page until one of their dates starts or ends (cesiq_site/render_cache.py);
    a preview reads them afresh. Only read: the same pages go to every request."""
    from cesiq_site.render_cache import shared

    if getattr(request, "is_preview", False):
        return related()[0]
    activities, _until = shared(
        ("related activities", page.pk),
        related,
        still_true=lambda kept: kept[1] is None or timezone.now() < kept[1],
    )
    return activities


def usable_discount_code(code):
    """The discount code `code` names, if activities may use it now; else None."""
    from cesiq_site.validation import has_control_characters
    from orders.models import DiscountCode

    if len(code) > 40 or has_control_characters(code):
        return None
    now = timezone.now()
    found = DiscountCode.objects.filter(
        code=code.strip().upper(), active=True, scope__in=["both", "tickets"]
    ).first()
    if found is None or (
        (found.valid_from and now < found.valid_from)
        or (found.valid_until and now > found.valid_until)
    ):
        return None
    return found


class EventDate(Orderable):
    """One séance: its own start, end and places. Its places are an `orders.Quota`, kept the
    size editors give here; orders count what is taken."""

    page = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="dates")
    start = models.DateTimeField(_("début"))
    end = models.DateTimeField(_("fin"))
    capacity = models.PositiveIntegerField(_("places"), default=30)
    quota = models.OneToOneField(
        Quota,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.PROTECT,
        related_name="event_date",
    )
    # Set by the staff actions (events/staff.py), which also refund and tell people: not in
    # the editor's form, where changing it would skip both.
    status = models.CharField(
        _("statut"),
        max_length=10,
        choices=EventStatus.choices,
        default=EventStatus.SCHEDULED,
        editable=False,
    )
    # iCalendar SEQUENCE: raised whenever the date's time or status changes, so that
    # calendars that imported the date replace their copy (RFC 5545 §3.8.7.4).
    sequence = models.PositiveIntegerField(default=0, editable=False)
    # The start before a postponement to a known new date (schema.org previousStartDate).
    previous_start = models.DateTimeField(_("début initial"), null=True, blank=True, editable=False)

    panels = [FieldRowPanel([FieldPanel("start"), FieldPanel("end"), FieldPanel("capacity")])]

    class Meta(Orderable.Meta):
        verbose_name = _("date")
        verbose_name_plural = _("dates")
        ordering = ["start"]

    def __str__(self):
        return date_format(timezone.localtime(self.start), "DATETIME_FORMAT")

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("La fin doit venir après le début.")})

    def save(self, *args, **kwargs):
        self._raise_sequence_on_change()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sequence"}
        availability.keep_own_quota(self, self.capacity, f"{self.page.title} — {self}"[:300])
        super().save(*args, **kwargs)
        for ticket_type in TicketType.objects.filter(
            page_id=self.page_id, places_per_date__isnull=False
        ):
            ticket_type.quota_for(self)

    def _raise_sequence_on_change(self):
        """A changed time or status raises SEQUENCE; it never goes down, even when a page is
        published from a revision written before a staff action."""
        if self.pk is None:
            return
        stored = (
            EventDate.objects.filter(pk=self.pk)
            .values("start", "end", "status", "sequence")
            .first()
        )
        if stored is None:
            return
        sequence = max(self.sequence, stored["sequence"])
        if (stored["start"], stored["end"], stored["status"]) != (
            self.start,
            self.end,
            self.status,
        ):
            sequence += 1
        self.sequence = sequence

    @property
    def shown_status(self):
        """The date's status as the public sees it: its own, or its activity's when the whole
        activity is cancelled or postponed."""
        if self.status != EventStatus.SCHEDULED:
            return self.status
        return self.page.status

    @property
    def is_cancelled(self):
        return self.shown_status == EventStatus.CANCELLED

    @property
    def is_postponed(self):
        return self.shown_status == EventStatus.POSTPONED

    def on_sale(self, now=None):
        """Open to registration and to the waiting list: scheduled and not yet begun."""
        now = now or timezone.now()
        return self.shown_status == EventStatus.SCHEDULED and self.start > now

    def not_on_sale_reason(self):
        if self.is_cancelled:
            return gettext("Cette date est annulée.")
        if self.is_postponed:
            return gettext(
                "Cette date est reportée ; les inscriptions reprendront avec la nouvelle date."
            )
        return gettext("Cette date n'accepte plus d'inscriptions.")

    @classmethod
    def of_line(cls, line, with_page=False):
        """The date an order line's tickets are for, read from the places it takes; with its
        activity page read in the same query when asked."""
        dates = cls.objects.select_related("page") if with_page else cls.objects
        return dates.get(quota__order_lines=line)

    def lines(self):
        """Order lines taking places on this date, whatever their order's state."""
        return OrderLine.objects.filter(quotas=self.quota_id)

    def usage(self, now=None):
        return availability.usage([self.quota_id], now)[self.quota_id]

    def seats_left(self, now=None):
        return max(self.usage(now).left, 0)


class TicketQuota(models.Model):
    """The places one ticket type may take on one date, when it has a limit of its own."""

    ticket_type = models.ForeignKey(
        "TicketType", on_delete=models.CASCADE, related_name="date_quotas"
    )
    date = models.ForeignKey(EventDate, on_delete=models.CASCADE, related_name="ticket_quotas")
    quota = models.OneToOneField(Quota, on_delete=models.PROTECT, related_name="ticket_quota")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ticket_type", "date"], name="one_quota_per_ticket_date"
            )
        ]

    def __str__(self):
        return str(self.quota)


class TicketKind(models.TextChoices):
    FIXED = "fixed", _("Prix fixe")
    FREE = "free", _("Gratuit")
    PAY_WHAT_YOU_CAN = "pwyc", _("Contribution volontaire")


def ticket_number(number, total):
    """« billet 2 sur 3 »: one of the tickets of one type in an order."""
    return gettext("billet %(number)s sur %(total)s") % {"number": number, "total": total}


class TicketType(Purchasable, Orderable):
    page = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="ticket_types")
    name = models.CharField(_("nom"), max_length=100)
    name_en = models.CharField(_("nom en anglais"), max_length=100, blank=True)
    kind = models.CharField(
        _("tarif"), max_length=5, choices=TicketKind.choices, default=TicketKind.FIXED
    )
    price = models.DecimalField(
        _("prix"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0.00"),
        help_text=_("Contribution volontaire : le montant minimum."),
        validators=[NOT_NEGATIVE],
    )
    suggested_price = models.DecimalField(
        _("montant suggéré"),
        max_digits=8,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[NOT_NEGATIVE],
    )
    places_per_date = models.PositiveIntegerField(
        _("quota par date"), null=True, blank=True, help_text=_("Vide : pas de limite propre.")
    )
    max_per_order = models.PositiveIntegerField(_("maximum par commande"), default=10)
    sales_start = models.DateTimeField(_("en vente à partir du"), null=True, blank=True)
    sales_end = models.DateTimeField(_("en vente jusqu'au"), null=True, blank=True)
    hidden_until_code = models.BooleanField(
        _("visible seulement avec un code de rabais"),
        default=False,
        help_text=_(
            "Par exemple un tarif solidaire offert à des partenaires : il apparaît quand un "
            "code de rabais valide est saisi. Pour un tarif membre, cochez plutôt « tarif "
            "membre »."
        ),
    )
    members_only = models.BooleanField(
        _("tarif membre"),
        default=False,
        help_text=_(
            "Offert seulement aux membres en règle : connectés, ou qui saisissent leur code de "
            "membre à l'inscription."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("name"), FieldPanel("name_en"), FieldPanel("kind")]),
        FieldRowPanel([FieldPanel("price"), FieldPanel("suggested_price")]),
        FieldRowPanel([FieldPanel("places_per_date"), FieldPanel("max_per_order")]),
        FieldRowPanel([FieldPanel("sales_start"), FieldPanel("sales_end")]),
        FieldRowPanel([FieldPanel("hidden_until_code"), FieldPanel("members_only")]),
    ]

    class Meta(Orderable.Meta):
        # The order editors gave them, then the order they were made: rows added without one
        # (by code, the demo's seed) came back in any order from PostgreSQL, the form's
        # « Régulier » now first, now last.
        ordering = ["sort_order", "pk"]
        verbose_name = _("type de billet")
        verbose_name_plural = _("types de billets")

    def __str__(self):
        return f"{self.page.title} — {self.name}"

    def clean(self):
        """Settings that would leave buyers stuck, refused with what to change. A row saved
        before a rule, unchanged, does not lock its page (sold, it may not change)."""
        errors = {}
        # « Régulier : 0,00 $ » on the page, where « Gratuit » says it and asks nothing.
        if (
            self.kind == TicketKind.FIXED
            and self.price is not None
            and self.price <= 0
            and not self._unchanged("kind", "price")
        ):
            errors["price"] = _(
                "Un prix fixe est plus grand que 0 : pour un billet gratuit, choisissez le "
                "tarif « Gratuit »."
            )
        # The form would offer the suggested amount and refuse it.
        if (
            self.kind == TicketKind.PAY_WHAT_YOU_CAN
            and self.suggested_price is not None
            and self.price is not None
            and self.suggested_price < self.price
            and not self._unchanged("kind", "price", "suggested_price")
        ):
            errors["suggested_price"] = _(
                "Le montant suggéré ne peut pas être plus bas que le minimum (%(minimum)s)."
            ) % {"minimum": format_cad(self.price, translation.get_language())}
        if self.max_per_order == 0 and not self._unchanged("max_per_order"):
            errors["max_per_order"] = _("Au moins 1 : à 0, personne ne pourrait acheter ce billet.")
        # The activity page would list a ticket its form never offers.
        if (
            self.sales_start
            and self.sales_end
            and self.sales_end <= self.sales_start
            and not self._unchanged("sales_start", "sales_end")
        ):
            errors["sales_end"] = _("La fin de la vente doit venir après son début.")
        if errors:
            raise ValidationError(errors)

    def _unchanged(self, *fields):
        return (
            bool(self.pk)
            and TicketType.objects.filter(
                pk=self.pk, **{name: getattr(self, name) for name in fields}
            ).exists()
        )

    @property
    def label(self):
        """The name in the active language."""
        if translation.get_language() == "en" and self.name_en:
            return self.name_en
        return self.name

    def sold(self):
        """Whether an order ever took this ticket type (its lines and tickets name it)."""
        return (
            Attendee.objects.filter(ticket_type=self).exists()
            or OrderLine.objects.filter(
                content_type=ContentType.objects.get_for_model(TicketType), object_id=self.pk
            ).exists()
        )

    def sold_through_cart(self):
        """True when this ticket may be put in the shop's cart beside products ("Ajouter au
        panier" next to "S'inscrire").

        The cart only knows an item, its option (the date) and a quantity: it asks nobody
        anything. So it takes tickets at a fixed, paid price, for activities that need nothing
        more per person or per group: no question at all (an optional one too: « J'ai besoin
        d'un aménagement » skipped by the cart would never be asked), no school and grade
        (school activities), no pay-what-you-can amount, no code-only rate (it needs the code
        on the registration form), no required names. Free tickets stay with the registration form
        too: there is nothing to pay, so nothing to gain from a shared payment, and some must
        be confirmed by email.
        Everything else keeps the direct registration, where those answers are asked.
        """
        page = self.page
        return (
            self.kind == TicketKind.FIXED
            and self.price > 0
            and not self.hidden_until_code
            and not self.members_only
            and page.audience != Audience.SCHOOL
            and not page.external_registration_url
            and not page.questions.all()
            and page.attendee_names != AttendeeNames.REQUIRED
        )

    def on_sale(self, now=None):
        now = now or timezone.now()
        return not (
            (self.sales_start and now < self.sales_start)
            or (self.sales_end and now > self.sales_end)
        )

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        if self.places_per_date is not None:
            for date in EventDate.objects.filter(page_id=self.page_id):
                self.quota_for(date)

    def quota_for(self, date):
        """This ticket type's own places on `date` (its per-date limit), kept the right size."""
        name = f"{self.page.title} — {date} — {self.name}"[:300]
        found = TicketQuota.objects.filter(ticket_type=self, date=date).select_related("quota")
        link = found.first()
        if link is None:
            quota = Quota.objects.create(size=self.places_per_date, name=name)
            # Tickets of this type already sold for this date count in the new limit.
            sold = OrderLine.objects.filter(
                content_type=ContentType.objects.get_for_model(TicketType),
                object_id=self.pk,
                quotas=date.quota_id,
            )
            OrderLine.quotas.through.objects.bulk_create(
                OrderLine.quotas.through(orderline_id=pk, quota_id=quota.pk)
                for pk in sold.values_list("pk", flat=True)
            )
            return TicketQuota.objects.create(ticket_type=self, date=date, quota=quota).quota
        if link.quota.size != self.places_per_date or link.quota.name != name:
            Quota.objects.filter(pk=link.quota_id).update(size=self.places_per_date, name=name)
        return link.quota

    # --- the purchasable interface: the option is the EventDate the ticket is for ----------

    def _check_date(self, date):
        if not isinstance(date, EventDate) or date.page_id != self.page_id:
            raise NotAvailable(gettext("Cette date n'existe pas pour cette activité."))
        return date

    def describe(self, language, date):
        with translation.override(language):
            when = date_format(timezone.localtime(self._check_date(date).start), "DATETIME_FORMAT")
            if translation.get_language() == "fr":
                # As the pages write it (« 18 h », not « 18 h 00 »): this line's name is also
                # what Stripe's payment page and the emails read.
                when = french_text(when)
            return f"{self.page.localized.title} — {when} — {self.label}"

    def price_for(self, requested, date):
        if self.kind == TicketKind.FREE:
            return Decimal("0.00")
        if self.kind == TicketKind.PAY_WHAT_YOU_CAN and requested is not None:
            if requested < self.price:
                raise NotAvailable(
                    gettext("La contribution minimale pour « %(name)s » est de %(price)s.")
                    % {
                        "name": self.label,
                        "price": format_cad(self.price, translation.get_language()),
                    }
                )
            return requested
        return self.price

    def tax_category(self):
        return "taxable"

    def place_of_supply(self, date):
        """Québec, where the activities are held, even when the same order ships goods to
        another province: an admission to an event is supplied in the province where the
        event takes place (Excise Tax Act, Schedule IX, Part V, admissions; CRA Technical
        Information Bulletin B-103, "Harmonized Sales Tax – Place of supply rules")."""
        return "QC"

    def quotas(self, date):
        date = self._check_date(date)
        own = [self.quota_for(date)] if self.places_per_date is not None else []
        return [date.quota, *own]

    def check_sale(self, quantity, date, now):
        date = self._check_date(date)
        # Read from the database, not the object in hand: orders checks again once the
        # date's places are locked, and a date cancelled meanwhile must be seen then.
        status = EventDate.objects.filter(pk=date.pk).values_list("status", flat=True).first()
        if status != EventStatus.SCHEDULED:
            date.status = status or EventStatus.CANCELLED
            raise NotAvailable(date.not_on_sale_reason())
        if self.page.status != EventStatus.SCHEDULED or date.end <= now:
            raise NotAvailable(
                gettext("« %(item)s » n'est plus en vente.") % {"item": self.display_name()}
            )
        if not self.on_sale(now):
            raise NotAvailable(gettext("« %(name)s » n'est pas en vente.") % {"name": self.label})
        if quantity > self.max_per_order:
            raise NotAvailable(
                gettext("Au plus %(max)s billets « %(name)s » par commande.")
                % {"max": self.max_per_order, "name": self.label}
            )

    def hold_rule(self, date):
        """One address, one unpaid order per date; at most the activity's places per order,
        and as many held unpaid from one connection."""
        date = self._check_date(date)
        return HoldRule(
            quota=date.quota,
            max_places=self.page.max_places_per_order,
            name=f"{self.page.localized.title} — {date}",
        )

    def confirm_by_email(self, date):
        return self.page.confirm_free_by_email

    def display_name(self):
        return f"{self.page.localized.title} — {self.label}"

    def fulfil(self, line):
        date = EventDate.of_line(line)
        names = line.details.get("attendees") or []
        answers = line.details.get("attendee_answers") or []
        Attendee.objects.bulk_create(
            Attendee(
                order_line=line,
                date=date,
                ticket_type=self,
                name=names[i] if i < len(names) else "",
                answers=answers[i] if i < len(answers) and isinstance(answers[i], dict) else {},
            )
            for i in range(line.quantity)
        )

    def release(self, line):
        line.attendees.filter(cancelled_at__isnull=True).update(cancelled_at=timezone.now())
        # Freed places go to the waiting list, once this cancellation is committed.
        from django.db import transaction

        from .waiting_list import offer_waiting_list

        date_id = EventDate.of_line(line).pk
        transaction.on_commit(lambda: offer_waiting_list.delay(date_id), robust=True)

    def give_back(self, line, quantity):
        """Tickets of a paid line were cancelled by staff (`events.staff.cancel_ticket` marks
        which one before the line counts it returned): should a return reach here without
        that, the line's last tickets not yet used are the ones cancelled. The freed places
        go to the waiting list once this is committed."""
        from django.db import transaction

        from .waiting_list import offer_waiting_list

        active = line.attendees.filter(cancelled_at__isnull=True)
        extra = active.count() - (line.quantity - line.returned_quantity)
        if extra > 0:
            unused = active.filter(checked_in_at__isnull=True).order_by("-pk")
            chosen = list(unused.values_list("pk", flat=True)[:extra])
            Attendee.objects.filter(pk__in=chosen).update(cancelled_at=timezone.now())
        date_id = EventDate.of_line(line).pk
        transaction.on_commit(lambda: offer_waiting_list.delay(date_id), robust=True)

    def receipt_links(self, line, cancellable=False):
        """« Plein tarif — Awa Diallo », or for a ticket without a name « Plein tarif — billet
        2 sur 3 » (its code means nothing to the buyer), « Plein tarif » when it is the only
        one, as in the confirmation email. While the order may be cancelled and is paid, each
        valid ticket of an order that has two or more has an address to cancel it alone
        (events.staff.cancel_own_ticket)."""
        from django.urls import reverse

        attendees = list(line.attendees.all())
        order = line.order
        cancellable = cancellable and order.state == "paid" and Attendee.several_valid(order)

        def cancel_url(attendee):
            if not cancellable or attendee.cancelled_at:
                return None
            return reverse(
                "events:cancel_own_ticket",
                kwargs={
                    "code": order.code,
                    "token": order.token,
                    "ticket": attendee.ticket_code,
                },
            )

        def name(number, attendee):
            if attendee.name:
                return f"{self.label} — {attendee.name}"
            if len(attendees) > 1:
                return f"{self.label} — {ticket_number(number, len(attendees))}"
            return self.label

        return [
            (
                name(number, attendee)
                + (f" ({gettext('annulé')})" if attendee.cancelled_at else ""),
                reverse("events:ticket", args=[attendee.ticket_code]),
                cancel_url(attendee),
            )
            for number, attendee in enumerate(attendees, start=1)
        ]

    def staff_links(self, line):
        """Each ticket, to its row on the date's list of attendees (where staff cancel it)."""
        from django.urls import reverse

        return [
            (
                " — ".join(filter(None, [attendee.ticket_code, attendee.name]))
                + (f" ({gettext('annulé')})" if attendee.cancelled_at else ""),
                reverse("events_staff:attendees", args=[attendee.date_id])
                + f"#attendee-{attendee.pk}",
            )
            for attendee in line.attendees.order_by("pk")
        ]

    def buyer_cancellation_deadline(self, line):
        """Buyers may cancel until `cancellation_hours` before the date starts; while the
        date is postponed without a new one, whenever they like (the postponement's email
        tells them they may: the old date's deadline may have passed). Not once one of the
        line's tickets was let in at the door (with a notice of 0 hours, cancelling the
        order refunded a ticket already used; staff may still)."""
        from datetime import timedelta

        from django.db.models import Exists, OuterRef

        from orders.purchasable import UNTIL_FURTHER_NOTICE

        # The date's start and its page's notice, not the page itself (a wide row): the
        # receipt asks this on every view.
        entered = Attendee.objects.filter(
            order_line_id=line.pk, date_id=OuterRef("pk"), checked_in_at__isnull=False
        )
        start, hours, status, used = (
            EventDate.objects.filter(quota__order_lines=line)
            .annotate(used=Exists(entered))
            .values_list("start", "page__cancellation_hours", "status", "used")
            .get()
        )
        if used:
            return None
        if status == EventStatus.POSTPONED:
            return UNTIL_FURTHER_NOTICE
        return start - timedelta(hours=hours)

    def confirmation_extras(self, line, language):
        """Each attendee's ticket (QR code inline), the date's .ics, and the online link."""
        from django.conf import settings
        from django.template.loader import render_to_string

        from .tickets import attachment_name, calendar, qr_png, vevent

        date = EventDate.of_line(line, with_page=True)  # the page of this ticket type too
        page = date.page
        site_url = settings.WAGTAILADMIN_BASE_URL
        # Valid tickets only: « Renvoyer la confirmation » after a ticket was cancelled sent
        # the cancelled one as valid, QR code and all.
        attendees = [a for a in line.attendees.all() if a.cancelled_at is None]
        if not attendees:
            return None
        with translation.override(language):
            shown = page.localized.specific
            context = {
                "page": shown,
                "date": date,
                # Numbered within their ticket type, which each says: « Plein tarif — billet 1
                # sur 2 », then « Tarif étudiant » (a number alone restarted with each type).
                "attendees": [
                    (attendee, ticket_number(number, len(attendees)) if len(attendees) > 1 else "")
                    for number, attendee in enumerate(attendees, start=1)
                ],
                "site_url": site_url,
                "online_link": page.online_link,
                "ticket_label": self.label,
            }
            text = render_to_string("events/email/tickets.txt", context)
            html = render_to_string("events/email/tickets.html", context)
            ics = calendar(
                [vevent(shown, date, url=site_url + shown.url, online_link=page.online_link)],
                name=shown.title,
            )
        attachments = [
            (
                attachment_name("ticket", a.ticket_code, language),
                qr_png(a.ticket_code),
                "image/png",
                f"ticket-{a.ticket_code}",
            )
            for a in attendees
        ]
        ics_name = attachment_name("calendar", date.pk, language)
        attachments.append((ics_name, ics, "text/calendar", None))
        return {"html": html, "text": text, "attachments": attachments}


class QuestionKind(models.TextChoices):
    TEXT = "text", _("Texte")
    CHOICE = "choice", _("Choix dans une liste")
    CHECKBOX = "checkbox", _("Case à cocher")


class Question(Orderable):
    """A question editors ask registrants of one activity (dietary or accessibility needs…)."""

    page = ParentalKey(EventPage, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(_("question"), max_length=200)
    label_en = models.CharField(_("question en anglais"), max_length=200, blank=True)
    kind = models.CharField(
        _("type"), max_length=10, choices=QuestionKind.choices, default=QuestionKind.TEXT
    )
    choices = models.TextField(_("choix"), blank=True, help_text=_("Un par ligne."))
    choices_en = models.TextField(
        _("choix en anglais"), blank=True, help_text=_("Un par ligne, dans le même ordre.")
    )
    required = models.BooleanField(_("obligatoire"), default=False)
    per_attendee = models.BooleanField(
        _("pour chaque participant·e"),
        default=False,
        help_text=_(
            "Posée pour chaque billet (besoins alimentaires…), pas une fois par inscription."
        ),
    )

    panels = [
        FieldRowPanel([FieldPanel("label"), FieldPanel("label_en")]),
        FieldRowPanel([FieldPanel("kind"), FieldPanel("required"), FieldPanel("per_attendee")]),
        FieldRowPanel([FieldPanel("choices"), FieldPanel("choices_en")]),
    ]

    class Meta(Orderable.Meta):
        ordering = ["sort_order", "pk"]  # as TicketType's
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self):
        return self.label

    @property
    def shown_label(self):
        return self.label_en if translation.get_language() == "en" and self.label_en else self.label

    def choice_pairs(self):
        """(French value stored, label shown) pairs: answers are stored in French."""
        french = [c.strip() for c in self.choices.splitlines() if c.strip()]
        english = [c.strip() for c in self.choices_en.splitlines() if c.strip()]
        shown = (
            english
            if translation.get_language() == "en" and len(english) == len(french)
            else french
        )
        return list(zip(french, shown, strict=True))


# Ticket codes and waiting-list tokens: read out at the door, typed from paper, put in URLs and
# exported to spreadsheets. Crockford's base 32 (digits and lower-case letters without i, l, o
# and u, easy to read aloud), so nothing is ever URL-escaped, and a letter first, so no code
# can start a spreadsheet formula (= + - @) or be read as a number. One letter of 22, then 19
# characters of 32: 99 bits (at least 96 are wanted).
TICKET_CODE_LETTERS = "abcdefghjkmnpqrstvwxyz"
TICKET_CODE_ALPHABET = TICKET_CODE_LETTERS + "0123456789"
TICKET_CODE_LENGTH = 20


def new_ticket_code():
    """A new ticket code or waiting-list token. Codes made before (URL-safe base 64, which may
    start with "-") stay valid: codes are only ever looked up as they are."""
    return secrets.choice(TICKET_CODE_LETTERS) + "".join(
        secrets.choice(TICKET_CODE_ALPHABET) for _ in range(TICKET_CODE_LENGTH - 1)
    )


class Attendee(models.Model):
    """One person's place at one date: what the ticket, its QR code and check-in are about."""

    order_line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="attendees")
    date = models.ForeignKey(EventDate, on_delete=models.PROTECT, related_name="attendees")
    ticket_type = models.ForeignKey(TicketType, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("nom"), max_length=200, blank=True)
    # This person's answers to the questions asked per attendee, keyed by the French question.
    answers = models.JSONField(_("réponses"), default=dict, blank=True)
    ticket_code = models.CharField(max_length=32, unique=True, default=new_ticket_code)
    checked_in_at = models.DateTimeField(_("arrivée"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("annulée le"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("participant·e")
        verbose_name_plural = _("participant·es")
        ordering = ["date__start", "pk"]

    def __str__(self):
        return self.name or self.order_line.order.buyer_name

    @classmethod
    def several_valid(cls, order):
        """Whether `order` still has two valid tickets or more: one of them may then be
        cancelled alone, its last one only with the order (events.staff.cancel_own_ticket)."""
        valid = cls.objects.filter(order_line__order=order, cancelled_at__isnull=True)
        return valid[:2].count() > 1


class CheckInScan(models.Model):
    """One scan made on a phone at the door while it had no signal, sent when it came back.

    Each scan carries an id the phone made up (`client_id`), so a scan sent twice (a sync cut
    off before its answer arrived) is applied once. A ticket two phones both let in while
    offline is a conflict: the first scan to reach the server checks the person in, the other
    is kept with `conflict` set so staff see that one ticket opened the door twice."""

    class Result(models.TextChoices):
        OK = "ok", _("Entrée enregistrée")
        ALREADY = "already", _("Déjà entré·e")
        WRONG_DATE = "wrong_date", _("Mauvaise date")
        CANCELLED = "cancelled", _("Billet annulé")
        UNKNOWN = "unknown", _("Code inconnu")

    client_id = models.CharField(max_length=64, unique=True)
    date = models.ForeignKey(EventDate, on_delete=models.CASCADE, related_name="checkin_scans")
    attendee = models.ForeignKey(
        Attendee, on_delete=models.CASCADE, null=True, blank=True, related_name="scans"
    )
    code = models.CharField(max_length=64)
    device_id = models.CharField(_("appareil"), max_length=64)
    scanned_at = models.DateTimeField(_("scanné le"))
    received_at = models.DateTimeField(default=timezone.now)
    admitted_offline = models.BooleanField(_("laissé·e entrer hors ligne"), default=False)
    result = models.CharField(_("résultat"), max_length=12, choices=Result.choices)
    conflict = models.BooleanField(_("conflit"), default=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("scan hors ligne")
        verbose_name_plural = _("scans hors ligne")
        ordering = ["scanned_at", "pk"]

    def __str__(self):
        return f"{self.code} ({self.device_id}, {self.scanned_at:%Y-%m-%d %H:%M})"


# An offer with this share of its places left, or fewer than this many, is "limited".
LIMITED_SHARE = Decimal("0.2")
LIMITED_PLACES = 5
SCHEMA = "https://schema.org/"


def _availability(left, size):
    if left <= 0:
        return SCHEMA + "SoldOut"
    if left <= LIMITED_PLACES or left <= size * LIMITED_SHARE:
        return SCHEMA + "LimitedAvailability"
    return SCHEMA + "InStock"


def _postal_address(venue):
    address = {"@type": "PostalAddress", "streetAddress": venue.street_address}
    address["addressLocality"] = venue.city
    if venue.postal_code:
        address["postalCode"] = venue.postal_code
    return {**address, "addressRegion": "QC", "addressCountry": "CA"}


def _event_location(page, url):
    """Place (with its full address) and/or VirtualLocation. An in-person activity without a
    venue yet (a partner's week) is placed in its city."""
    location = []
    if page.attendance_mode != AttendanceMode.ONLINE:
        venue = page.venue.localized if page.venue else None
        if venue is not None:
            location.append(
                {"@type": "Place", "name": venue.name, "address": _postal_address(venue)}
            )
        else:
            location.append(
                {
                    "@type": "Place",
                    "name": "Québec",
                    "address": {
                        "@type": "PostalAddress",
                        "addressLocality": "Québec",
                        "addressRegion": "QC",
                        "addressCountry": "CA",
                    },
                }
            )
    if page.attendance_mode != AttendanceMode.IN_PERSON:
        # The meeting link is sent to registrants only: the page stands for it.
        location.append({"@type": "VirtualLocation", "url": url})
    return location[0] if len(location) == 1 else location


def _offers(page, date, tickets, url, left_by_quota, now, own_ids):
    """One Offer per ticket type on sale for a scheduled date, named in the page's language,
    with its availability from the places really left (the date's, and the ticket type's own
    quota when it has one). A partner's activity: one offer pointing to the partner's page."""
    source = page.source
    if date.shown_status != EventStatus.SCHEDULED or date.start <= now:
        return []
    opens = source.registration_opens_at or source.first_published_at
    if source.external_registration_url:
        offer = {
            "@type": "Offer",
            "url": source.external_registration_url,
            "availability": SCHEMA + "InStock",
            "priceCurrency": "CAD",
        }
        if opens:
            offer["validFrom"] = timezone.localtime(opens).isoformat()
        if tickets:
            offer["price"] = str(min(t.price for t in tickets))
        return [offer]
    closed = source.registration_closes_at and now > source.registration_closes_at
    date_usage = left_by_quota.get(date.quota_id)
    offers = []
    for ticket in tickets:
        if ticket.sales_end and now > ticket.sales_end:
            continue
        left, size = (date_usage.left, date_usage.size) if date_usage else (0, 0)
        own = own_ids.get(ticket.pk, {}).get(date.pk)
        if own in left_by_quota:
            own_usage = left_by_quota[own]
            if own_usage.left < left:
                left, size = own_usage.left, own_usage.size
        starts = max(filter(None, [ticket.sales_start, opens]), default=None)
        offer = {
            "@type": "Offer",
            "name": ticket.label,
            "price": str(ticket.price),
            "priceCurrency": "CAD",
            "url": url,
            "availability": SCHEMA + "SoldOut" if closed else _availability(left, size),
        }
        if starts:
            offer["validFrom"] = timezone.localtime(starts).isoformat()
        offers.append(offer)
    return offers


def event_json_ld_parts(page, request):
    """What the structured data of `page` shows that only a save can change (its place,
    organiser, image, the tickets' own quotas on each date): the activity page keeps it for
    the content generation (see EventPage.get_context)."""
    from cesiq_site import seo
    from home.models import SiteSettings

    url = request.build_absolute_uri(page.url)
    home = seo.localized_home(request)
    home_url = request.build_absolute_uri(home.get_url(request) if home else "/")
    organisers = page.organisers.strip()
    organizer = {"@type": "Organization", "name": "CÉSIQ", "url": home_url}
    if organisers and organisers != "CÉSIQ":
        organizer = {"@type": "Organization", "name": organisers}
        if page.source.external_registration_url:
            organizer["url"] = page.source.external_registration_url
    # The page's image, else the French page's, else the site's default sharing image.
    image = (
        seo.share_image(request, page)
        or seo.share_image(request, page.source)
        or seo.share_image(request, None, SiteSettings.for_request(request))
    )
    own_ids = {}
    tickets = page.visible_ticket_types()
    if tickets:
        links = TicketQuota.objects.filter(
            ticket_type__in=tickets, date__in=list(page.source.dates.all())
        )
        for link in links:
            own_ids.setdefault(link.ticket_type_id, {})[link.date_id] = link.quota_id
    return {
        "url": url,
        "location": _event_location(page, url),
        "organizer": organizer,
        "image": image,
        "own_ids": own_ids,
        "language": seo.language_of(page),
    }


def event_json_ld(page, request, now=None, usage=None, parts=None):
    """schema.org Event data, one Event per upcoming date, escaped for a
    <script type="application/ld+json">. Availability comes from orders' availability
    service (the one place that counts places); `usage`, what it answered at `now` for the
    page's dates, is not asked again. `parts`: event_json_ld_parts(page, request), when
    kept."""
    import json

    from django.utils.html import _json_script_escapes

    statuses = {
        EventStatus.SCHEDULED: SCHEMA + "EventScheduled",
        EventStatus.CANCELLED: SCHEMA + "EventCancelled",
        EventStatus.POSTPONED: SCHEMA + "EventPostponed",
    }
    mode = {
        AttendanceMode.IN_PERSON: SCHEMA + "OfflineEventAttendanceMode",
        AttendanceMode.ONLINE: SCHEMA + "OnlineEventAttendanceMode",
        AttendanceMode.MIXED: SCHEMA + "MixedEventAttendanceMode",
    }[page.attendance_mode]
    now = now or timezone.now()
    parts = parts or event_json_ld_parts(page, request)
    url, location, organizer, image = (
        parts["url"],
        parts["location"],
        parts["organizer"],
        parts["image"],
    )
    own_ids = parts["own_ids"]
    dates = page.upcoming_dates
    tickets = page.visible_ticket_types()
    upcoming = {date.pk for date in dates}
    # Places left on the dates (read already by the page, at `now`) and the tickets' own
    # quotas.
    wanted = [d.quota_id for d in dates] + [
        quota for by_date in own_ids.values() for date, quota in by_date.items() if date in upcoming
    ]
    left_by_quota = dict(usage or {})
    missing = [quota for quota in wanted if quota not in left_by_quota]
    if missing:
        left_by_quota.update(availability.usage(missing, now))
    events = []
    for date in dates:
        status = statuses[date.shown_status]
        moved = {}
        if date.shown_status == EventStatus.SCHEDULED and date.previous_start:
            status = SCHEMA + "EventRescheduled"
            moved = {"previousStartDate": timezone.localtime(date.previous_start).isoformat()}
        event = {
            "@context": "https://schema.org",
            "@type": "Event",
            "name": page.title,
            "description": page.summary,
            "url": url,
            "startDate": timezone.localtime(date.start).isoformat(),
            "endDate": timezone.localtime(date.end).isoformat(),
            "eventStatus": status,
            **moved,
            "eventAttendanceMode": mode,
            "location": location,
            "organizer": organizer,
            "inLanguage": parts["language"],
            "offers": _offers(page, date, tickets, url, left_by_quota, now, own_ids),
        }
        if image:
            event["image"] = [image[0]]
        events.append(event)
    return json.dumps(events, ensure_ascii=False).translate(_json_script_escapes)


class WaitingListEntry(models.Model):
    """Someone waiting for places on a full date. When places free up, the first in line is
    offered them: the offer holds the places for a limited time, then passes to the next."""

    class State(models.TextChoices):
        WAITING = "waiting", _("En attente")
        OFFERED = "offered", _("Places offertes")
        USED = "used", _("Inscrite")
        LAPSED = "lapsed", _("Offre expirée")
        CANCELLED = "cancelled", _("Retirée")

    date = models.ForeignKey(EventDate, on_delete=models.CASCADE, related_name="waiting_list")
    name = models.CharField(_("nom"), max_length=200)
    email = models.EmailField(_("courriel"))
    language = models.CharField(_("langue"), max_length=8)
    places = models.PositiveSmallIntegerField(_("places"))
    token = models.CharField(max_length=40, unique=True, default=new_ticket_code)
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.WAITING)
    created_at = models.DateTimeField(_("inscrite le"), default=timezone.now)
    offered_at = models.DateTimeField(_("offre envoyée le"), null=True, blank=True)
    offer_expires_at = models.DateTimeField(_("offre valable jusqu'au"), null=True, blank=True)
    # The offered places, kept aside in the date's quota while the offer runs.
    hold = models.OneToOneField(
        "orders.QuotaHold", null=True, blank=True, editable=False, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("liste d'attente")
        verbose_name_plural = _("listes d'attente")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["date", "state"])]

    def __str__(self):
        return f"{self.email} ({self.places})"

    def close(self, state):
        """Leave the line (cancelled, or used): offered places stop being held."""
        self.state = state
        self.save(update_fields=["state"])
        if self.hold is not None:
            self.hold.release()

    def offer_is_valid(self, now=None):
        now = now or timezone.now()
        return self.state == self.State.OFFERED and self.offer_expires_at > now
