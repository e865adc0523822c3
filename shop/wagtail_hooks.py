"""The shop's admin registrations; the views live in `shop/admin/`."""

from wagtail.snippets.models import register_snippet

from .admin.viewsets import ProducerViewSet

register_snippet(ProducerViewSet)
