"""``crosscoach export scores`` and ``crosscoach report``: scores out of CrossCoach."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from app.core.errors import PermissionDenied
from app.core.profiles import find_profile, find_team, require_reviewer
from app.review.export import write_scores_csv
from app.review.periods import parse_period
from app.review.report import build_report, write_report_pdf
from app.review.scores import score_rows
from app.scenarios.library import find_scenario

if TYPE_CHECKING:
    from app.identity.context import AppContext


def register(sub) -> None:
    export = sub.add_parser("export", help="export coaching data")
    what = export.add_subparsers(dest="what", metavar="WHAT")
    scores = what.add_parser("scores", help="review scores as CSV, one row per review")
    scores.add_argument("--csv", required=True, metavar="PATH")
    scores.add_argument("--period", default="all", metavar="P", help="all (default), 2026-11, ...")
    scores.add_argument("--rep", metavar="NAME|ID")
    scores.add_argument("--team", metavar="NAME")
    scores.add_argument("--scenario", metavar="KEY")
    scores.set_defaults(handler=_export_scores)

    report = sub.add_parser("report", help="a rep's coaching report as a PDF")
    report.add_argument("rep", metavar="REP")
    report.add_argument(
        "--period", default="month", metavar="P", help="YYYY-MM, YYYY-Qn, all, month (default)"
    )
    report.add_argument("--pdf", required=True, metavar="PATH")
    report.set_defaults(handler=_report)


def _export_scores(ctx: AppContext, args) -> int:
    require_reviewer(ctx.profile(), "export scores")
    period = parse_period(args.period)
    with ctx.session() as s:
        rows = score_rows(
            s,
            period,
            rep_id=find_profile(s, args.rep).id if args.rep else None,
            team_id=find_team(s, args.team).id if args.team else None,
            scenario_id=find_scenario(s, args.scenario).id if args.scenario else None,
        )
    count = write_scores_csv(Path(args.csv), rows, period)
    print(f"Wrote {count} review(s) to {args.csv}.")
    return 0


def _report(ctx: AppContext, args) -> int:
    actor = ctx.profile()
    period = parse_period(args.period)
    with ctx.session() as s:
        report = build_report(s, args.rep, period)
    if not actor.reviews and report.rep.id != actor.id:
        raise PermissionDenied(
            "A rep can print only their own coaching report.",
            "Ask your trainer for other reports.",
        )
    path = write_report_pdf(report, Path(args.pdf))
    print(f"Wrote the coaching report for {report.rep.name} ({period.label}) to {path}.")
    return 0
