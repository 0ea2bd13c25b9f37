"""Sync in the desktop app: the background controller, the status-bar indicator and
the Sync section of the Settings page."""
