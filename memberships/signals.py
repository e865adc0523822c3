"""What memberships tell other apps, which it does not import (the network's directory lists
an organisation once its membership is paid)."""

from django.dispatch import Signal

# Sent by `services.record_membership` inside the payment's transaction, with `member` and
# `period` (the year just paid).
membership_recorded = Signal()
