"""Importing a valid pack: all of it in one transaction, or nothing.

Records are upserted by key, so importing a newer copy of a pack updates
the scenarios it already brought. Prompt media enters the content-addressed
store before the transaction; a file stored for an import that then fails is
unreferenced, never half-written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import UserError, reason
from app.core.media import store_file
from app.core.models import Scenario
from app.scenarios.pack import Pack, read_pack
from app.scenarios.store import upsert_cross_sell, upsert_product, upsert_rubric, upsert_scenario

if TYPE_CHECKING:
    from app.identity.context import AppContext


@dataclass(frozen=True)
class ImportResult:
    pack_key: str
    pack_name: str
    pack_version: int
    created: int  # scenarios new to this data folder
    updated: int  # scenarios that were there already (by key)
    products: int
    rubrics: int
    media_files: int

    def summary(self) -> str:
        return (
            f"Imported {self.pack_name} (version {self.pack_version}): "
            f"{self.created} new and {self.updated} updated scenarios, {self.products} products, "
            f"{self.rubrics} rubrics, {self.media_files} media files."
        )


def import_pack(ctx: AppContext, path: Path) -> ImportResult:
    """Validate and import the pack at ``path``; trainers and managers only."""
    ctx.require_reviewer("import scenario packs")
    pack = read_pack(path)
    try:
        with ctx.session() as s:
            return apply_pack(s, pack, ctx.paths.media)
    finally:
        pack.source.close()


def apply_pack(s: Session, pack: Pack, media_root: Path) -> ImportResult:
    """Write a validated pack in the caller's transaction."""
    media = {}
    for name in sorted({sc.prompt_media for sc in pack.scenarios if sc.prompt_media}):
        try:
            with pack.source.media_file(name) as local:
                media[name] = store_file(media_root, local)[0]
        except OSError as exc:  # the file went away since it was checked, or the disk is full
            raise UserError(
                f"CrossCoach could not copy the media file {name} from the pack into the "
                f"data folder ({reason(exc)}); nothing was imported.",
                "Check that the pack's files are still there and that the data folder's "
                "drive has free space, then import again.",
            ) from exc
    products = {
        p.key: upsert_product(s, p.key, p.name, p.category, p.description) for p in pack.products
    }
    for pair in pack.cross_sells:
        upsert_cross_sell(s, products[pair.product], products[pair.suggested], pair.why)
    rubrics = {r.key: upsert_rubric(s, r.key, r.name, r.criteria) for r in pack.rubrics}
    keys = [sc.values.key for sc in pack.scenarios]
    existing = set(s.scalars(select(Scenario.key).where(Scenario.key.in_(keys)))) if keys else set()
    for sc in pack.scenarios:
        upsert_scenario(
            s,
            sc.values,
            product=products[sc.product],
            cross_sell=products[sc.cross_sell],
            rubric=rubrics[sc.rubric],
            pack_key=pack.info.key,
            media=(media[sc.prompt_media], sc.prompt_media) if sc.prompt_media else None,
        )
    s.flush()
    return ImportResult(
        pack.info.key,
        pack.info.name,
        pack.info.version,
        created=len(set(keys) - existing),
        updated=len(set(keys) & existing),
        products=len(products),
        rubrics=len(rubrics),
        media_files=len(media),
    )
