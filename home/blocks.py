"""StreamField blocks shared by every page type (and later by activities and products)."""

from urllib.parse import urlsplit

from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.contrib.typed_table_block.blocks import TypedTableBlock
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["bold", "italic", "link", "document-link", "ol", "ul"]


class HeadingBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Texte"), max_length=120)
    level = blocks.ChoiceBlock(
        label=_("Niveau"),
        choices=[("h2", _("Titre de section (h2)")), ("h3", _("Sous-titre (h3)"))],
        default="h2",
    )

    class Meta:
        icon = "title"
        label = _("Titre")
        template = "home/blocks/heading.html"


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Texte de remplacement"),
        required=False,
        help_text=_(
            "Décrit l'image pour les personnes qui ne la voient pas. Vide : "
            "le titre de l'image est utilisé."
        ),
    )
    caption = blocks.CharBlock(label=_("Légende"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image avec légende")
        template = "home/blocks/image.html"


class QuoteBlock(blocks.StructBlock):
    quote = blocks.TextBlock(label=_("Citation"))
    attribution = blocks.CharBlock(label=_("Auteur ou autrice"), required=False)

    class Meta:
        icon = "openquote"
        label = _("Citation")
        template = "home/blocks/quote.html"


def live_url(page, fallback=""):
    """The address of `page` in the visitor's language while it is live, else `fallback` (or
    None): a button to a page since unpublished led to « Page introuvable », and one to a page
    deleted to the page it was on."""
    if page is not None:
        target = page.localized
        if target.live:
            return target.url
    return fallback or None


class LinkStructValue(blocks.StructValue):
    def url(self):
        return live_url(self.get("page"), self.get("external_url"))


class CallToActionBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Titre"), max_length=120)
    text = blocks.TextBlock(label=_("Texte"), required=False)
    button_label = blocks.CharBlock(label=_("Libellé du bouton"), max_length=60)
    page = blocks.PageChooserBlock(label=_("Page du site"), required=False)
    external_url = blocks.URLBlock(label=_("ou adresse externe"), required=False)

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("external_url"):
            from django.core.exceptions import ValidationError
            from wagtail.blocks import StructBlockValidationError

            raise StructBlockValidationError(
                block_errors={"page": ValidationError(_("Choisissez une page ou une adresse."))}
            )
        return value

    class Meta:
        icon = "pick"
        label = _("Appel à l'action")
        template = "home/blocks/call_to_action.html"
        value_class = LinkStructValue


class DocumentLinkBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    label = blocks.CharBlock(label=_("Libellé"), required=False)

    class Meta:
        icon = "doc-full"
        label = _("Lien vers un document")
        template = "home/blocks/document_link.html"


class DocumentDownloadBlock(DocumentLinkBlock):
    """A document to download, its format and size written next to the link (WCAG 2.4.4: the
    visitor knows what they get before following it), with an optional description."""

    description = blocks.CharBlock(
        label=_("Description"),
        required=False,
        max_length=250,
        help_text=_("Facultatif : ce que contient le document, pour qui."),
    )

    class Meta:
        label = _("Document à télécharger")


class AccordionItemBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question ou titre"), max_length=200)
    answer = blocks.RichTextBlock(label=_("Réponse"), features=RICH_TEXT_FEATURES)


class AccordionBlock(blocks.StructBlock):
    """Questions and answers that open one by one: native <details>/<summary>, so they work
    with the keyboard, a screen reader and without JavaScript; the browser's find-in-page
    opens the one that matches."""

    title = blocks.CharBlock(label=_("Titre de la section"), required=False, max_length=120)
    items = blocks.ListBlock(AccordionItemBlock(), label=_("Questions"), min_num=1)

    class Meta:
        icon = "list-ul"
        label = _("Accordéon (FAQ)")
        template = "home/blocks/accordion.html"


class ImageTextBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt_text = blocks.CharBlock(
        label=_("Texte de remplacement"),
        required=False,
        help_text=_("Vide : l'image est décorative (le texte dit l'essentiel)."),
    )
    title = blocks.CharBlock(label=_("Titre"), required=False, max_length=120)
    text = blocks.RichTextBlock(label=_("Texte"), features=RICH_TEXT_FEATURES)
    image_position = blocks.ChoiceBlock(
        label=_("Position de l'image"),
        choices=[("left", _("À gauche")), ("right", _("À droite"))],
        default="left",
    )

    class Meta:
        icon = "image"
        label = _("Image et texte")
        template = "home/blocks/image_text.html"


# Hosts whose name the card shows ("Regarder sur YouTube"); any other is named by its host.
VIDEO_PROVIDERS = {
    "youtube.com": "YouTube",
    "youtu.be": "YouTube",
    "youtube-nocookie.com": "YouTube",
    "vimeo.com": "Vimeo",
    "dailymotion.com": "Dailymotion",
    "onf.ca": "ONF",
    "nfb.ca": "NFB",
    "tou.tv": "ICI TOU.TV",
}


class VideoStructValue(blocks.StructValue):
    def provider(self):
        host = (urlsplit(self.get("url") or "").hostname or "").lower().removeprefix("www.")
        for domain, name in VIDEO_PROVIDERS.items():
            if host == domain or host.endswith("." + domain):
                return name
        return host


class VideoLinkBlock(blocks.StructBlock):
    """A video shown as a link card: nothing from the video's host is loaded until the visitor
    follows the link (no third-party frame, script or cookie; the site's CSP allows none)."""

    url = blocks.URLBlock(label=_("Adresse de la vidéo"))
    title = blocks.CharBlock(label=_("Titre de la vidéo"), max_length=160)
    thumbnail = ImageChooserBlock(
        label=_("Vignette"),
        required=False,
        help_text=_("Une image téléversée sur le site (jamais chargée chez l'hébergeur)."),
    )
    duration = blocks.CharBlock(
        label=_("Durée"), required=False, max_length=20, help_text=_("Par exemple : 12 min")
    )
    description = blocks.TextBlock(label=_("Description"), required=False)
    captions = blocks.BooleanBlock(
        label=_("Sous-titrée"), required=False, help_text=_("La vidéo a des sous-titres.")
    )

    class Meta:
        icon = "media"
        label = _("Vidéo (lien)")
        template = "home/blocks/video_link.html"
        value_class = VideoStructValue


class TableBlock(blocks.StructBlock):
    """A data table: headings as <th scope="col">, an optional first column of row headings
    (<th scope="row">), a caption that says what the table shows."""

    table = TypedTableBlock(
        [
            ("text", blocks.CharBlock(label=_("Texte"))),
            ("numeric", blocks.CharBlock(label=_("Nombre ou montant"))),
            (
                "rich_text",
                blocks.RichTextBlock(label=_("Texte enrichi"), features=["bold", "italic", "link"]),
            ),
        ],
        label=_("Tableau"),
    )
    row_headers = blocks.BooleanBlock(
        label=_("La première colonne contient les titres des lignes"), required=False
    )

    class Meta:
        icon = "table"
        label = _("Tableau")
        template = "home/blocks/table.html"


class BodyBlock(blocks.StreamBlock):
    heading = HeadingBlock()
    paragraph = blocks.RichTextBlock(
        label=_("Texte"),
        features=["bold", "italic", "link", "document-link", "ol", "ul", "h3", "h4"],
        template="home/blocks/paragraph.html",
    )
    image = ImageBlock()
    quote = QuoteBlock()
    call_to_action = CallToActionBlock()
    document_link = DocumentLinkBlock()


class PageBodyBlock(BodyBlock):
    """The editorial pages' body (home, standard pages, news, campaigns): the shared blocks
    plus questions and answers, image and text, a video link card and a table."""

    document_link = DocumentDownloadBlock()
    accordion = AccordionBlock()
    image_text = ImageTextBlock()
    video = VideoLinkBlock()
    table = TableBlock()
