import pytest


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a change and what runs after its commit (the caches' invalidation among them)."""

    def run(change, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return change(*args, **kwargs)

    return run
