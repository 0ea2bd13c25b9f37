"""Protected profiles in the desktop app: the passphrase prompt, the lock, keys in Settings."""
