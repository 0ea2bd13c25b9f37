"""The in-memory keyring every test uses in place of the operating system's.

No tests live here. Tests take the ``memory_keyring`` fixture (tests/conftest.py), which
installs one; a test that hands the object to the code directly imports the class. One
definition, so a change in the keyring API is met here once.
"""

from __future__ import annotations

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    """The operating system's keyring, which a test machine may not have and no test may
    write to: what is stored stays in ``saved``, keyed by (service, account)."""

    priority = 1

    def __init__(self):
        super().__init__()
        self.saved: dict[tuple[str, str], str] = {}

    def set_password(self, service, username, password):
        self.saved[(service, username)] = password

    def get_password(self, service, username):
        return self.saved.get((service, username))

    def delete_password(self, service, username):
        self.saved.pop((service, username))
