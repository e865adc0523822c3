"""The test settings' file storage: in memory, and one memory for the whole test run.

Django's InMemoryStorage gives each instance its own empty memory, and any test that changes
STORAGES (the object-storage and media tests do) makes Django build a new instance when the
change is undone; the demo's images seeded once per test database would then be gone for every
later test ("/media/not-found" renditions). Like a disk, this storage keeps its files for as
long as the process lives.
"""

from django.core.files.storage import InMemoryStorage


class SharedInMemoryStorage(InMemoryStorage):
    _shared_root = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if SharedInMemoryStorage._shared_root is None:
            SharedInMemoryStorage._shared_root = self._root
        self._root = SharedInMemoryStorage._shared_root
