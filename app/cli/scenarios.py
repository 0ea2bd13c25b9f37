"""``crosscoach scenarios``: browse, validate, import and export the scenario library."""

from __future__ import annotations

import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from app.cli.output import print_json, print_table
from app.core.errors import UserError
from app.scenarios.exporter import export_pack
from app.scenarios.importer import import_pack
from app.scenarios.library import get_scenario, search_scenarios
from app.scenarios.pack import read_pack
from app.scenarios.problems import PackInvalid

if TYPE_CHECKING:
    from app.identity.context import AppContext


def register(sub) -> None:
    p = sub.add_parser("scenarios", help="browse, validate, import and export scenarios")
    actions = p.add_subparsers(dest="action", metavar="ACTION")

    ls = actions.add_parser("list", help="the scenarios in the library")
    ls.add_argument("--search", metavar="TEXT", default="", help="words that must all match")
    ls.add_argument("--product", metavar="KEY", default=None, help="only scenarios with it")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)

    show = actions.add_parser("show", help="one scenario with its rubric")
    show.add_argument("scenario", metavar="ID|KEY")
    show.add_argument("--json", action="store_true")
    show.set_defaults(handler=_show)

    validate = actions.add_parser("validate", help="check a pack folder or .zip")
    validate.add_argument("path", metavar="PATH")
    validate.set_defaults(handler=_validate)

    imp = actions.add_parser("import", help="import a pack (trainers and managers)")
    imp.add_argument("path", metavar="PATH")
    imp.set_defaults(handler=_import)

    exp = actions.add_parser(
        "export",
        help="export scenarios as a pack: a .zip when PATH ends in .zip, else a folder",
        usage="crosscoach scenarios export (ID|KEY [ID|KEY ...] | --all) PATH",
    )
    exp.add_argument("--all", action="store_true", help="export the whole library")
    exp.add_argument("items", nargs="+", metavar="ID|KEY ... PATH")
    exp.set_defaults(handler=_export)


def _list(ctx: AppContext, args) -> int:
    with ctx.db.session() as s:
        rows = search_scenarios(s, args.search, args.product)
    if args.json:
        print_json([{**asdict(r), "tags": list(r.tags)} for r in rows])
    elif not rows:
        print("No scenarios match." if args.search or args.product else "No scenarios yet.")
    else:
        print_table(
            ["Key", "Title", "Product", "Cross-sell", "Level"],
            [(r.key, r.title, r.product, r.cross_sell, r.difficulty) for r in rows],
        )
    return 0


def _show(ctx: AppContext, args) -> int:
    with ctx.db.session() as s:
        d = get_scenario(s, args.scenario, ctx.paths.media)
    if args.json:
        print_json(asdict(d))
        return 0
    print(f"{d.title}  [{d.key}]")
    print(f"Product: {d.product} -> cross-sell: {d.cross_sell}")
    if d.cross_sell_why:
        print(f"Why: {d.cross_sell_why}")
    print(f"\nSituation:\n  {d.situation}")
    print(f'\nThe customer says:\n  "{d.customer_line}"')
    print("\nTalking points:")
    for point in d.talking_points:
        print(f"  - {point}")
    print(f"\nKeywords to mention: {', '.join(d.keywords_mention) or '-'}")
    print(f"Keywords to avoid: {', '.join(d.keywords_avoid) or '-'}")
    print(f"Tags: {', '.join(d.tags) or '-'}   Difficulty: {d.difficulty}")
    print(
        f"Preparation {d.prep_seconds} s, answer up to {d.max_answer_seconds} s, "
        f"{d.allowed_attempts} attempts"
    )
    if d.prompt_media_path:
        print(f"Prompt media: {d.prompt_media_path}")
    total = sum(c.weight for c in d.criteria)
    print(f"\nRubric: {d.rubric_name} [{d.rubric_key}]")
    print_table(
        ["Key", "Criterion", "Weight", "Share", "Max score", "What good looks like"],
        [
            (
                c.key,
                c.name,
                f"{c.weight:g}",
                f"{100 * c.weight / total:.0f} %",
                c.max_score,
                c.description,
            )
            for c in d.criteria
        ],
    )
    return 0


def _validate(ctx: AppContext, args) -> int:
    try:
        pack = read_pack(Path(args.path))
    except PackInvalid as err:
        print(f"invalid: {args.path} has {len(err.problems)} problem(s):", file=sys.stderr)
        for problem in err.problems:
            print(f"  - {problem}", file=sys.stderr)
        return err.exit_code
    pack.source.close()
    print(f"valid: {len(pack.scenarios)} scenarios ({pack.info.name}, version {pack.info.version})")
    return 0


def _import(ctx: AppContext, args) -> int:
    print(import_pack(ctx, Path(args.path)).summary())
    return 0


def _export(ctx: AppContext, args) -> int:
    *ids, target = args.items
    if args.all == bool(ids):
        raise UserError(
            "Say which scenarios to export: one or more IDs or keys, or --all.",
            "For example: crosscoach scenarios export --all my-pack.zip",
        )
    with ctx.db.session() as s:
        result = export_pack(s, Path(target), ctx.paths.media, None if args.all else ids)
    print(
        f"Exported {result.scenarios} scenarios and {result.media_files} media files "
        f"to {result.path}."
    )
    return 0
