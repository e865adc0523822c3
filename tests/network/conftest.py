# Joining through the membership page, as tests/memberships does it (orders, the fake Stripe).
from tests.memberships.test_memberships import (  # noqa: F401
    deliver,
    individual,
    join,
    organisation,
)
