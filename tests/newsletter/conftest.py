import pytest


@pytest.fixture(autouse=True)
def empty_list(db):
    """Start without the demo's subscribers: these tests count who is on the list."""
    from newsletter.models import Subscriber

    Subscriber.objects.all().delete()
