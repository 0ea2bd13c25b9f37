"""``crosscoach top``, ``reward``, ``leaderboard``: what the team learns from and celebrates."""

from __future__ import annotations

from typing import TYPE_CHECKING

from app.cli.output import print_json, print_table
from app.core.profiles import find_team
from app.review.leaderboard import leaderboard
from app.review.rewards import grant_reward
from app.review.top_videos import best_videos, gallery, mark_top, set_consent

if TYPE_CHECKING:
    from app.identity.context import AppContext


def register(sub) -> None:
    top = sub.add_parser("top", help="Top Videos: mark, consent, list")
    actions = top.add_subparsers(dest="action", metavar="ACTION")

    mark = actions.add_parser("mark", help="mark a submission as a Top Video (asks the rep)")
    mark.add_argument("submission", metavar="SUBMISSION_ID")
    mark.add_argument("--reason", required=True, metavar="TEXT")
    mark.set_defaults(handler=_mark)

    consent = actions.add_parser("consent", help="the rep agrees (or not) to share their video")
    consent.add_argument("submission", metavar="SUBMISSION_ID")
    answer = consent.add_mutually_exclusive_group(required=True)
    answer.add_argument("--yes", action="store_true")
    answer.add_argument("--no", action="store_true")
    consent.set_defaults(handler=_consent)

    ls = actions.add_parser("list", help="the shared Top Videos")
    ls.add_argument("--scenario", metavar="KEY")
    ls.add_argument("--product", metavar="KEY")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_list)

    best = actions.add_parser("best", help="the best shared video per scenario or per month")
    best.add_argument("--by", choices=["scenario", "month"], default="scenario")
    best.add_argument("--json", action="store_true")
    best.set_defaults(handler=_best)

    reward = sub.add_parser("reward", help="grant a reward or badge")
    reward.add_argument("person", metavar="PERSON")
    reward.add_argument("--title", required=True, metavar="TEXT")
    reward.add_argument("--badge", default="", metavar="NAME")
    reward.add_argument("--period", default="", metavar="YYYY-MM")
    reward.add_argument("--json", action="store_true")
    reward.set_defaults(handler=_reward)

    board = sub.add_parser("leaderboard", help="points from reviews, per period and team")
    board.add_argument(
        "--period", default="month", metavar="P", help="week, month, quarter, all, or e.g. 2026-11"
    )
    board.add_argument("--team", metavar="NAME")
    board.add_argument("--json", action="store_true")
    board.set_defaults(handler=_leaderboard)


def _mark(ctx: AppContext, args) -> int:
    actor = ctx.profile()
    with ctx.session() as s:
        top = mark_top(s, actor, args.submission, args.reason)
    print(
        f"Marked {top.submission_id[:8]} as a Top Video; consent: {top.consent.value} "
        "(it is shared once the rep agrees)."
    )
    return 0


def _consent(ctx: AppContext, args) -> int:
    actor = ctx.profile()
    with ctx.session() as s:
        top = set_consent(s, actor, args.submission, granted=args.yes)
    shared = "it is now in the Top Videos gallery" if args.yes else "it will not be shared"
    print(f"Thank you: {shared} ({top.consent.value}).")
    return 0


def _list(ctx: AppContext, args) -> int:
    with ctx.session() as s:
        cards = gallery(s, ctx.paths, scenario_key=args.scenario, product_key=args.product)
    if args.json:
        print_json([c.as_dict() for c in cards])
    elif not cards:
        print("No shared Top Videos yet for this filter.")
    else:
        print_table(
            ["Id", "Rep", "Scenario", "Products", "Points", "Reason"],
            [
                (
                    c.submission_id[:8],
                    c.rep_name,
                    c.scenario_key,
                    f"{c.primary_product} + {c.cross_sell_product}",
                    "" if c.mean_points is None else f"{c.mean_points:.1f}",
                    c.reason,
                )
                for c in cards
            ],
        )
    return 0


def _best(ctx: AppContext, args) -> int:
    with ctx.session() as s:
        best = best_videos(s, ctx.paths, args.by)
    if args.json:
        print_json({key: card.as_dict() for key, card in best.items()})
    elif not best:
        print("No shared Top Videos yet.")
    else:
        print_table(
            [args.by.capitalize(), "Id", "Rep", "Points", "Reason"],
            [
                (key, c.submission_id[:8], c.rep_name, f"{c.mean_points or 0:.1f}", c.reason)
                for key, c in best.items()
            ],
        )
    return 0


def _reward(ctx: AppContext, args) -> int:
    actor = ctx.profile()
    with ctx.session() as s:
        reward = grant_reward(
            s, actor, args.person, args.title, badge=args.badge, period=args.period
        )
    if args.json:
        print_json(reward.as_dict())
    else:
        when = f" for {reward.period}" if reward.period else ""
        print(f'{reward.person_name} received "{reward.title}" ({reward.badge}){when}.')
    return 0


def _leaderboard(ctx: AppContext, args) -> int:
    with ctx.session() as s:
        team_id = find_team(s, args.team).id if args.team else None
        board = leaderboard(s, args.period, team_id=team_id)
    if args.json:
        print_json(board.as_dict())
        return 0
    print(f"Leaderboard {board.period.label}" + (f", team {board.team}" if board.team else ""))
    if not board.entries:
        print("No reviewed submissions in this period yet.")
        return 0
    print_table(
        ["Rank", "", "Name", "Team", "Points", "Reviewed", "Mean", "Rewards"],
        [
            (
                e.rank,
                "*" if e.highlighted else "",
                e.name,
                e.team or "",
                f"{e.points:.1f}",
                e.submissions,
                f"{e.mean_points:.1f}",
                "; ".join(r.title for r in e.rewards),
            )
            for e in board.entries
        ],
    )
    return 0
