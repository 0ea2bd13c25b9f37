"""``crosscoach takes | submit | assign | assignments``: the rep's practice."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from app.cli.output import print_json, print_table
from app.core.errors import UserError
from app.practice.assignments import create_assignment, list_assignments
from app.practice.submit import check_submittable, submit_take
from app.practice.takes import delete_take, recheck_take, takes_visible_to

if TYPE_CHECKING:
    from app.identity.context import AppContext


def register(sub) -> None:
    takes = sub.add_parser("takes", help="your practice takes (private to you)")
    actions = takes.add_subparsers(dest="action", metavar="ACTION")
    ls = actions.add_parser("list", help="your takes, newest first")
    ls.add_argument("--json", action="store_true")
    ls.set_defaults(handler=_takes_list)
    delete = actions.add_parser("delete", help="delete a take you have not submitted")
    delete.add_argument("take", metavar="TAKE_ID")
    delete.add_argument("--json", action="store_true")
    delete.set_defaults(handler=_takes_delete)

    submit = sub.add_parser("submit", help="check a take and hand it in for review")
    submit.add_argument("take", metavar="TAKE_ID")
    submit.add_argument("--note", default="", help="a note for your trainer")
    submit.add_argument(
        "--self-score",
        action="append",
        default=[],
        metavar="CRITERION=VALUE",
        help="your own score for one rubric criterion; give one for every criterion, or none",
    )
    submit.add_argument("--json", action="store_true")
    submit.set_defaults(handler=_submit)

    assign = sub.add_parser("assign", help="give a scenario to a rep or a team (trainers)")
    assign.add_argument("scenario", metavar="SCENARIO", help="the scenario's id or key")
    who = assign.add_mutually_exclusive_group(required=True)
    who.add_argument("--to", metavar="REP", help="the rep's name or id")
    who.add_argument("--team", metavar="TEAM", help="everyone in this team")
    assign.add_argument("--due", metavar="YYYY-MM-DD", type=str, default=None)
    assign.add_argument("--note", default="")
    assign.add_argument("--json", action="store_true")
    assign.set_defaults(handler=_assign)

    mine = sub.add_parser("assignments", help="your assignments and where you stand")
    mine.add_argument("--json", action="store_true")
    mine.set_defaults(handler=_assignments)


def _takes_list(ctx: AppContext, args) -> int:
    me = ctx.profile()
    with ctx.db.session() as s:
        takes = takes_visible_to(s, me.id, ctx.paths.media)
    if args.json:
        print_json([t.as_dict() for t in takes])
    elif not takes:
        print("No takes yet. Record one with: crosscoach record --scenario ID")
    else:
        rows = [
            (
                t.recorded_at.strftime("%Y-%m-%d %H:%M"),
                t.scenario_title,
                t.attempt,
                f"{t.duration_seconds:.1f} s",
                "recovered" if t.recovered else "",
                f"{len(t.warnings)} warning(s)" if t.warnings else "",
                "submitted" if t.submission_id else "",
                t.id,
            )
            for t in takes
        ]
        headers = ["Recorded (UTC)", "Scenario", "Attempt", "Length", "", "Check", "", "Id"]
        print_table(headers, rows)
    return 0


def _takes_delete(ctx: AppContext, args) -> int:
    gone = delete_take(ctx, args.take)
    if args.json:
        print_json(gone.as_dict())
    else:
        print(f"Deleted take {gone.attempt} of '{gone.scenario_title}' ({gone.id}).")
    return 0


def _submit(ctx: AppContext, args) -> int:
    scores = parse_self_scores(args.self_score)
    check_submittable(ctx, args.take, note=args.note, self_scores=scores)
    findings = recheck_take(ctx, args.take)
    if not args.json:
        for finding in findings:
            print(f"Warning: {finding.message}")
    submission = submit_take(ctx, args.take, note=args.note, self_scores=scores)
    if args.json:
        print_json({**submission.as_dict(), "warnings": [f.as_dict() for f in findings]})
    else:
        print(f"Submitted your take of '{submission.scenario_title}' ({submission.id}).")
    return 0


def parse_self_scores(items: list[str]) -> dict[str, int]:
    scores: dict[str, int] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key or not value.strip().lstrip("-").isdigit():
            raise UserError(
                f"'{item}' is not a self-score.",
                "Write each as CRITERION=NUMBER, for example --self-score opening=4.",
            )
        if key in scores:
            raise UserError(f"You scored {key} twice.", "Give each criterion one score.")
        scores[key] = int(value)
    return scores


def parse_due(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            f"'{text}' is not a date.", "Write the due date as YYYY-MM-DD, e.g. 2026-12-31."
        ) from None


def _assign(ctx: AppContext, args) -> int:
    info = create_assignment(
        ctx, args.scenario, to=args.to, team=args.team, due=parse_due(args.due), note=args.note
    )
    if args.json:
        print_json(info.as_dict())
    else:
        due = f", due {info.due_date.isoformat()}" if info.due_date else ""
        print(f"Assigned '{info.scenario_title}' to {info.assigned_to}{due} ({info.id}).")
    return 0


def _assignments(ctx: AppContext, args) -> int:
    me = ctx.profile()
    with ctx.db.session() as s:
        mine = list_assignments(s, me.id)
    if args.json:
        print_json([a.as_dict() for a in mine])
    elif not mine:
        print("No assignments for you right now. Practise any scenario freely.")
    else:
        rows = [
            (
                a.assignment.due_date.isoformat() if a.assignment.due_date else "",
                a.assignment.scenario_title,
                a.status.value,
                f"{a.attempts_used}/{a.attempts_allowed}",
                "overdue" if a.overdue else "",
                a.assignment.assigned_to,
                a.assignment.id,
            )
            for a in mine
        ]
        print_table(["Due", "Scenario", "Status", "Attempts", "", "Assigned to", "Id"], rows)
    return 0
