"""Opening an installation the way both the CLI and the GUI need it.

The first start of a data folder creates the database and loads the
built-in scenario pack; nothing else needs setting up.
"""

from __future__ import annotations

from app.core.context import AppContext


def open_context(data_dir=None, acting_as: str | None = None) -> AppContext:
    ctx = AppContext.open(data_dir, acting_as)
    ctx.paths.ensure()
    from app.scenarios.builtin import ensure_builtin_pack

    ensure_builtin_pack(ctx)
    return ctx
