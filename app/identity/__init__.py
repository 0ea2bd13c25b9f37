"""Who a person is, in a way that cannot be faked: their key pair and its protection.

``keys`` is the Ed25519 key pair (signing, fingerprints); ``vault`` keeps a person's
private key on this device (encrypted with their passphrase or PIN, or in the
operating system's keyring); ``acting`` decides what acting as someone asks for,
checking the team's roster (app.sync.roster) when it holds a key for them;
``context`` is the open installation with the person acting in it (their keys
opened), which the CLI and the GUI hand to the services.
Plain Python: no Qt.
"""
