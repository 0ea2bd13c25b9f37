"""The built-in scenario pack, shipped in resources/scenarios/builtin/.

It is imported as the system (no person) the first time a data folder is
opened, and again only when CrossCoach ships a newer version of the pack;
the version loaded is remembered in the data folder's LocalState. Its records
are stamped the same on every device and older than any edit (ShippedClock),
so a device installed later never overwrites a trainer's edit through sync.
"""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import as_file, files
from typing import TYPE_CHECKING

from app.core.clock import ShippedClock
from app.core.models import LocalState
from app.scenarios.importer import apply_pack
from app.scenarios.pack import read_pack

if TYPE_CHECKING:
    from app.identity.context import AppContext

STATE_KEY = "builtin_pack_version"
# Shipped records carry this time on every device, so they are identical everywhere.
SHIPPED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def builtin_pack_file():
    """pack.yaml of the shipped pack, as an importlib.resources Traversable."""
    return files("app.resources").joinpath("scenarios", "builtin", "pack.yaml")


def ensure_builtin_pack(ctx: AppContext) -> bool:
    """Load the shipped pack when this data folder has an older one or none; True if loaded."""
    with as_file(builtin_pack_file()) as manifest:
        pack = read_pack(manifest.parent)
        try:
            with ctx.db.session(person_id=None) as s:
                s.info.update(clock=ShippedClock(pack.info.version), stamp_time=SHIPPED_AT)
                state = s.get(LocalState, STATE_KEY)
                if state is not None and int(state.value) >= pack.info.version:
                    return False
                apply_pack(s, pack, ctx.paths.media)
                if state is None:
                    s.add(LocalState(key=STATE_KEY, value=str(pack.info.version)))
                else:
                    state.value = str(pack.info.version)
        finally:
            pack.source.close()
    return True
