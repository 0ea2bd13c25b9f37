"""``crosscoach queue``, ``review``, ``comment``, ``comments``: reviewing submissions."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING

from app.cli.output import print_json, print_table
from app.core.errors import UserError
from app.core.models import Decision, SubmissionStatus
from app.core.profiles import find_profile, find_team, require_reviewer
from app.review.access import find_submission
from app.review.comments import PRESETS, add_comment, format_moment, list_comments
from app.review.decisions import decide, score_and_decide
from app.review.queue import AWAITING, SORT_KEYS, QueueFilter, load_queue
from app.review.scoring import reviews_of, score_submission
from app.scenarios.library import find_scenario

if TYPE_CHECKING:
    from app.identity.context import AppContext

STATUS_WORDS = {s.value: s for s in SubmissionStatus} | {
    s.value.replace("_", "-"): s for s in SubmissionStatus
}


def register(sub) -> None:
    q = sub.add_parser("queue", help="submissions waiting for review")
    q.add_argument(
        "--status",
        action="append",
        metavar="S",
        help="new, in_review, retake_requested, approved or all (repeatable; "
        "default: new and in_review)",
    )
    q.add_argument("--rep", metavar="NAME|ID")
    q.add_argument("--team", metavar="NAME")
    q.add_argument("--scenario", metavar="KEY")
    q.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="submitted on or after")
    q.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="submitted on or before")
    q.add_argument("--sort", default="submitted", choices=list(SORT_KEYS))
    q.add_argument("--desc", action="store_true", help="sort in descending order")
    q.add_argument("--json", action="store_true")
    q.set_defaults(handler=_queue)

    r = sub.add_parser("review", help="score a submission, give feedback, approve or ask a retake")
    r.add_argument("submission", metavar="SUBMISSION_ID")
    r.add_argument("--score", action="append", default=[], metavar="CRITERION=VALUE")
    r.add_argument("--feedback", default=None, metavar="TEXT")
    decision = r.add_mutually_exclusive_group()
    decision.add_argument("--approve", action="store_true")
    decision.add_argument("--retake", metavar="REASON", default=None)
    r.add_argument("--json", action="store_true")
    r.set_defaults(handler=_review)

    c = sub.add_parser("comment", help="comment on a moment of a submission's video")
    c.add_argument("submission", metavar="SUBMISSION_ID")
    c.add_argument("--at", required=True, type=_moment, metavar="SECONDS", help="e.g. 42.5 or 1:05")
    c.add_argument("--preset", default="", metavar="NAME", help="; ".join(p.name for p in PRESETS))
    # TEXT is required so that it may follow the options (argparse would take an
    # optional one as empty right after SUBMISSION_ID); "" keeps a preset alone.
    c.add_argument("text", metavar="TEXT", help='the remark; "" for a preset alone')
    c.add_argument("--json", action="store_true")
    c.set_defaults(handler=_comment)

    cs = sub.add_parser("comments", help="the comments on a submission, in video order")
    cs.add_argument("submission", metavar="SUBMISSION_ID")
    cs.add_argument("--json", action="store_true")
    cs.set_defaults(handler=_comments)


def _score_pairs(texts: list[str]) -> dict[str, int]:
    scores: dict[str, int] = {}
    for text in texts:
        key, sep, value = (part.strip() for part in text.partition("="))
        try:
            if not sep or not key:
                raise ValueError
            number = int(value)
        except ValueError:
            raise UserError(
                f"'{text}' is not CRITERION=VALUE with a whole number.",
                "Write each score like --score discovery=4.",
            ) from None
        if key in scores:
            raise UserError(f"{key} was scored twice.", "Give each criterion one --score.")
        scores[key] = number
    return scores


def _moment(text: str) -> float:
    """Seconds as ``42.5`` or ``1:05``/``1:05.5`` (minutes:seconds)."""
    try:
        minutes, _, seconds = text.rpartition(":")
        return (int(minutes) * 60 if minutes else 0) + float(seconds)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a moment in the video; use seconds (42.5) or minutes:seconds (1:05)"
        ) from None


def _statuses(words: list[str] | None) -> tuple[SubmissionStatus, ...]:
    if not words:
        return AWAITING
    if any(w.lower() == "all" for w in words):
        return ()
    try:
        return tuple(STATUS_WORDS[w.lower()] for w in words)
    except KeyError as exc:
        raise UserError(
            f"'{exc.args[0]}' is not a submission status.",
            "Use new, in_review, retake_requested, approved or all.",
        ) from None


def _day(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"'{text}' is not a date.", "Write dates as YYYY-MM-DD.") from None


def _queue(ctx: AppContext, args) -> int:
    require_reviewer(ctx.profile(), "see the review queue")
    with ctx.session() as s:
        flt = QueueFilter(
            statuses=_statuses(args.status),
            rep_id=find_profile(s, args.rep).id if args.rep else None,
            team_id=find_team(s, args.team).id if args.team else None,
            scenario_id=find_scenario(s, args.scenario).id if args.scenario else None,
            submitted_from=_day(args.date_from),
            submitted_to=_day(args.date_to),
            sort_by=args.sort,
            descending=args.desc,
        )
        queue = load_queue(s, flt)
    counts = {status.value: n for status, n in queue.counts.items()}
    if args.json:
        print_json({"counts": counts, "submissions": [r.as_dict() for r in queue.rows]})
        return 0
    if queue.rows:
        print_table(
            ["Id", "Rep", "Team", "Scenario", "Submitted", "Due", "Length", "Status", "Rev", "Com"],
            [
                (
                    r.submission_id[:8],
                    r.rep_name,
                    r.team_name or "",
                    r.scenario_key,
                    r.submitted_at.strftime("%Y-%m-%d %H:%M"),
                    r.due_date.isoformat() if r.due_date else "",
                    format_moment(r.duration_seconds),
                    r.status.value,
                    r.review_count,
                    r.comment_count,
                )
                for r in queue.rows
            ],
        )
    else:
        print("Nothing matches: the queue is empty for this filter.")
    print("  ".join(f"{status}: {n}" for status, n in counts.items()))
    return 0


def _review(ctx: AppContext, args) -> int:
    actor = ctx.profile()
    retake = args.retake is not None  # an empty reason is refused by decide(), in plain words
    decision = Decision.APPROVE if args.approve else Decision.RETAKE if retake else None
    if not args.score and decision is None and args.feedback is None:
        raise UserError(
            "Nothing to do: give scores, feedback or a decision.",
            "e.g. crosscoach review ID --score discovery=4 --score benefit=3 --approve",
        )
    scores = _score_pairs(args.score)
    with ctx.session() as s:
        submission = find_submission(s, args.submission)
        if (scores or args.feedback is not None) and not scores:
            scores = _own_scores(s, submission.id, actor.id)  # feedback alone keeps them
        if scores and decision is not None:
            score_and_decide(s, actor, submission.id, scores, args.feedback or "", decision,
                             args.retake or "")  # fmt: skip
        elif scores:
            score_submission(s, actor, submission.id, scores, args.feedback or "")
        elif decision is not None:
            decide(s, actor, submission.id, decision, args.retake or "")
        mine = next(r for r in reviews_of(s, submission.id) if r.reviewer_id == actor.id)
        status = submission.status.value
    if args.json:
        print_json({**mine.as_dict(), "status": status})
    else:
        print(
            f"{actor.name}'s review of {submission.id[:8]}: {mine.points:.1f} points; status {status}."
        )
    return 0


def _own_scores(s, submission_id: str, actor_id: str) -> dict[str, int]:
    """Feedback alone keeps the reviewer's earlier scores; without them it cannot stand."""
    for review in reviews_of(s, submission_id):
        if review.reviewer_id == actor_id:
            return review.scores
    raise UserError(
        "Feedback goes with scores: this submission has no review of yours yet.",
        "Add --score CRITERION=VALUE for every criterion of the rubric.",
    )


def _comment(ctx: AppContext, args) -> int:
    actor = ctx.profile()
    with ctx.session() as s:
        comment = add_comment(s, actor, args.submission, args.at, args.text, args.preset)
    if args.json:
        print_json(comment.as_dict())
    else:
        print(f"Comment added at {format_moment(comment.at_seconds)} ({comment.id[:8]}).")
    return 0


def _comments(ctx: AppContext, args) -> int:
    with ctx.session() as s:
        submission = find_submission(s, args.submission)
        comments = list_comments(s, submission.id)
    if args.json:
        print_json([c.as_dict() for c in comments])
    elif not comments:
        print("No comments on this submission yet.")
    else:
        print_table(
            ["At", "Preset", "Comment", "By"],
            [(format_moment(c.at_seconds), c.preset, c.text, c.author_name) for c in comments],
        )
    return 0
