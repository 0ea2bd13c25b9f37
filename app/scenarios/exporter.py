"""Exporting scenarios as a pack folder or .zip that imports back to the same library.

The output is deterministic: records sorted by key, fields in the documented
order, no timestamps, zip entries with a fixed date. Exporting, importing
into another data folder and exporting again gives the same pack.yaml and
the same media bytes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import UserError, reason
from app.core.files import commit, export_target
from app.core.media import find_media
from app.core.models import CrossSell, Product, Rubric, Scenario
from app.scenarios import rules
from app.scenarios.library import find_scenario
from app.scenarios.pack import FORMAT, FORMAT_VERSION
from app.scenarios.rubrics import rubric_criteria
from app.scenarios.sources import MANIFEST

ZIP_DATE = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class ExportResult:
    path: Path
    scenarios: int
    media_files: int


def export_pack(
    s: Session, target: Path, media_root: Path, ids_or_keys: list[str] | None = None
) -> ExportResult:
    """Write the given scenarios (all live ones when None) as a pack at ``target``.

    ``target`` ending in .zip gets a zip file, anything else a new folder.
    An existing file or non-empty folder is never overwritten, and nothing is written
    over a device, a named pipe or a link (see :func:`app.core.files.export_target`).
    """
    target = Path(target)
    is_zip = target.suffix.lower() == ".zip"
    target = export_target(target, "crosscoach-scenarios.zip", folder_ok=not is_zip)
    if target.exists() and (target.is_file() or any(target.iterdir())):
        raise UserError(
            f"{target} already exists; CrossCoach does not overwrite it.",
            "Choose a new file or folder name, or remove the old one first.",
        )
    if ids_or_keys is None:
        scenarios = list(
            s.scalars(select(Scenario).where(Scenario.deleted.is_(False)).order_by(Scenario.key))
        )
    else:
        chosen = {sc.key: sc for sc in (find_scenario(s, x) for x in ids_or_keys)}
        scenarios = [chosen[k] for k in sorted(chosen)]
    if not scenarios:
        raise UserError("There are no scenarios to export.", "Import or create scenarios first.")
    document, media = _document(s, scenarios, media_root, whole=ids_or_keys is None)
    text = yaml.dump(
        document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, indent=2
    )
    files: dict[str, bytes | Path] = {MANIFEST: text.encode("utf-8"), **media}
    try:
        (_write_zip if is_zip else _write_folder)(target, files)
    except OSError as exc:
        raise UserError(
            f"CrossCoach could not write {target} ({reason(exc)}); nothing was exported.",
            "Choose a folder you can write to, on a drive with free space.",
        ) from exc
    return ExportResult(target, len(scenarios), len(media))


def _document(s: Session, scenarios: list[Scenario], media_root: Path, whole: bool):
    if whole:
        products = list(s.scalars(select(Product).where(Product.deleted.is_(False))))
        rubrics = list(s.scalars(select(Rubric).where(Rubric.deleted.is_(False))))
    else:
        products = list(
            {
                p.id: p for sc in scenarios for p in (sc.primary_product, sc.cross_sell_product)
            }.values()
        )
        rubrics = list({sc.rubric.id: sc.rubric for sc in scenarios}.values())
    by_id = {p.id: p for p in products}
    pairs = [
        c
        for c in s.scalars(select(CrossSell).where(CrossSell.deleted.is_(False)))
        if c.product_id in by_id and c.suggested_id in by_id
    ]
    pack_keys = {sc.pack_key for sc in scenarios}
    media: dict[str, Path] = {}
    names: dict[str, str] = {}  # sha -> name in the pack
    scenario_docs = []
    for sc in scenarios:
        entry = _scenario_doc(sc)
        if sc.prompt_media_sha256:
            entry["prompt_media"] = _media_name(sc, media_root, media, names)
        entry["rubric"] = sc.rubric.key
        scenario_docs.append(entry)
    document = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "pack": {
            "key": pack_keys.pop() if len(pack_keys) == 1 and "" not in pack_keys else "export",
            "name": "Scenarios exported from CrossCoach",
            "version": 1,
        },
        "products": [
            {"key": p.key, "name": p.name, "category": p.category, "description": p.description}
            for p in sorted(products, key=lambda p: p.key)
        ],
        "cross_sells": [
            {"from": by_id[c.product_id].key, "to": by_id[c.suggested_id].key, "why": c.why}
            for c in sorted(
                pairs, key=lambda c: (by_id[c.product_id].key, by_id[c.suggested_id].key)
            )
        ],
        "rubrics": [_rubric_doc(s, r) for r in sorted(rubrics, key=lambda r: r.key)],
        "scenarios": scenario_docs,
    }
    return document, media


def _scenario_doc(sc: Scenario) -> dict:
    return {
        "key": sc.key,
        "title": sc.title,
        "situation": sc.situation,
        "customer_line": sc.customer_line,
        "product": sc.primary_product.key,
        "cross_sell": sc.cross_sell_product.key,
        "talking_points": list(sc.talking_points),
        "keywords": {"mention": list(sc.keywords_mention), "avoid": list(sc.keywords_avoid)},
        "tags": list(sc.tags),
        "difficulty": sc.difficulty,
        "prep_seconds": sc.prep_seconds,
        "max_answer_seconds": sc.max_answer_seconds,
        "allowed_attempts": sc.allowed_attempts,
    }


def _rubric_doc(s: Session, rubric: Rubric) -> dict:
    return {
        "key": rubric.key,
        "name": rubric.name,
        "criteria": [
            {
                "key": c.key,
                "name": c.name,
                "description": c.description,
                "weight": int(c.weight) if float(c.weight).is_integer() else c.weight,
                "max_score": c.max_score,
            }
            for c in rubric_criteria(s, rubric.key)
        ],
    }


def _media_name(sc: Scenario, media_root: Path, media: dict, names: dict) -> str:
    """The scenario's media path inside the pack: its original name unless that is taken."""
    sha = sc.prompt_media_sha256
    if sha in names:
        return names[sha]
    stored = find_media(media_root, sha)
    if stored is None:
        raise UserError(
            f"The prompt media of scenario '{sc.key}' is not in this data folder yet.",
            "Sync this device first, or export without that scenario.",
        )
    name = sc.prompt_media_name or ""
    if not name or rules.media_name_problem(name):
        name = f"media/{sha[:16]}{stored.suffix}"
    if name.lower() in {n.lower() for n in media}:  # one file on Windows and macOS drives
        pure = PurePosixPath(name)
        name = str(pure.with_name(f"{sha[:12]}-{pure.name}"))
    names[sha] = name
    media[name] = stored
    return name


def _write_folder(target: Path, files: dict[str, bytes | Path]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        os.chmod(staging, 0o755)  # mkdtemp makes it private; an export is meant to be shared
        for name, data in files.items():
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, Path):
                shutil.copyfile(data, path)
            else:
                path.write_bytes(data)
        if target.exists():
            target.rmdir()  # checked empty above
        commit(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_zip(target: Path, files: dict[str, bytes | Path]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}-", dir=target.parent)
    os.close(fd)
    try:
        os.chmod(tmp, 0o644)
        with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(files):
                info = zipfile.ZipInfo(name, ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                data = files[name]
                if isinstance(data, Path):
                    with open(data, "rb") as src, zf.open(info, "w") as dst:
                        shutil.copyfileobj(src, dst)
                else:
                    zf.writestr(info, data)
        commit(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, so trainers can read and edit exports."""


def _str(dumper: yaml.SafeDumper, value: str):
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
