"""Offline-first sync through a shared folder or a shared PostgreSQL database."""
