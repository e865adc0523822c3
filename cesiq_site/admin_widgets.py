"""Wagtail's date pickers, keeping what the editor typed.

Wagtail's picker replaced a date it could not read, on leaving the field, with today's, without
a word: « 15/01/2027 » typed as in Québec became the day of editing, and an activity could be
published on the wrong day. These leave what was typed, which the server reads in the editor's
language (« 15/01/2027 » in French) or refuses with « Saisissez une date valide. ». Every date
field of the admin's model forms gets them (`validation.typed_dates_are_kept`); forms of our own
name them."""

from wagtail.admin.widgets import AdminDateInput, AdminDateTimeInput


class TypedDateInput(AdminDateInput):
    def get_config(self):
        return {**super().get_config(), "validateOnBlur": False}


class TypedDateTimeInput(AdminDateTimeInput):
    def get_config(self):
        return {**super().get_config(), "validateOnBlur": False}
