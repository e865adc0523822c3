"""Contact messages are personal data: only staff who may read them see the submissions of
contact forms (`contact.view_contactsubmission`: administrators), not every page editor."""

from django.contrib.contenttypes.models import ContentType
from wagtail import hooks

from .models import ContactFormPage


@hooks.register("filter_form_submissions_for_user")
def hide_contact_messages(user, editable_forms):
    if user.has_perm("contact.view_contactsubmission"):
        return editable_forms
    return editable_forms.exclude(content_type=ContentType.objects.get_for_model(ContactFormPage))
