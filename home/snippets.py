"""The base of the snippets editors manage like pages (themes, venues, producers)."""

from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from wagtail.models import DraftStateMixin, LockableMixin, RevisionMixin, WorkflowMixin


class EditorialSnippet(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """What editors manage beside pages, the way Wagtail's bakerydemo does its snippets: a draft
    until published (the row holds the published content; later edits wait in revisions until
    someone publishes them), a history of revisions, a lock, and the moderation workflow
    ("Approbation de la coordination", home/permissions.py setup_workflow).

    The public site offers only live ones where it lists them for choice (filters, theme chips,
    the shop's producers). Existing rows became live with the migration (`live` defaults to
    True). Subclasses add `_revisions` and `workflow_states` relations named after themselves
    (`revisions_relation`, `workflow_states_relation`), so that deleting one deletes its
    revisions and workflow states."""

    # A copy for translation starts as a draft of its own, as a page's copy does: none of the
    # original's publishing state, revisions or lock.
    default_exclude_fields_in_copy = [
        "latest_revision",
        "live_revision",
        "has_unpublished_changes",
        "first_published_at",
        "last_published_at",
        "go_live_at",
        "expire_at",
        "expired",
        "locked",
        "locked_at",
        "locked_by",
    ]

    class Meta:
        abstract = True

    def copy_for_translation(self, locale, exclude_fields=None):
        copy = super().copy_for_translation(locale, exclude_fields=exclude_fields)
        copy.live = False
        copy.has_unpublished_changes = True
        return copy

    @property
    def revisions(self):
        return self._revisions


def revisions_relation(name):
    return GenericRelation("wagtailcore.Revision", related_query_name=name)


def workflow_states_relation(name):
    return GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name=name,
        for_concrete_model=False,
    )
