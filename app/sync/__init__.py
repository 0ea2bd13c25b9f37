"""Offline-first sync: every device works alone and meets the team through a remote.

A remote is a shared folder (:mod:`app.sync.folder`) or a shared PostgreSQL
database (:mod:`app.sync.postgres`); both implement :class:`app.sync.remote.Remote`.
:mod:`app.sync.merge` applies what arrives (last writer wins per record by
hybrid-logical-clock version, judged by :mod:`app.sync.permissions`);
:mod:`app.sync.service` runs a whole sync for the CLI and the GUI.
The rules are written down in ``docs/sync.md``.
"""
