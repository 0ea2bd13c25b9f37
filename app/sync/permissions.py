"""Who may write which version of which record: the product's rules, judged on every device.

A version is judged by what it is and by the history it names: its editor's
role *as of its own version* (from the accepted versions of that person's
profile), and the previous accepted version of the same record. It never
depends on what a device happened to receive first, so every device that
holds the same changes reaches the same verdicts (app/sync/merge.py re-judges
when older history arrives late). PostgreSQL applies the same rules to each
push (app/sync/sql/postgres_security.sql); docs/sync.md has the table.

Versions written before CrossCoach recorded who made each version
(``edited_by`` is empty) are judged by the earlier rules, which look at the
record's author only.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

REVIEWERS = frozenset({"trainer", "manager"})
CATALOGUE = frozenset({"products", "cross_sells", "rubrics", "rubric_criteria", "scenarios"})
COACHING = frozenset({"assignments", "rewards"})
# Columns that say who, where and when, not what: they change with every version.
STAMPS = frozenset({"version", "updated_at", "device_id", "edited_by"})
UNKNOWN = "unknown"  # no version of the person's profile is older than the change


@dataclass(frozen=True)
class Verdict:
    ok: bool
    wait: bool = False  # the editor's profile has not arrived yet: hold, do not refuse
    reason: str = ""


ACCEPT = Verdict(True)


def refuse(reason: str) -> Verdict:
    return Verdict(False, reason=reason)


def wait(reason: str) -> Verdict:
    return Verdict(False, wait=True, reason=reason)


class Roles:
    """Every person's role over time, from the accepted versions of their profile."""

    def __init__(self) -> None:
        self._versions: dict[str, list[str]] = {}
        self._roles: dict[str, list[str | None]] = {}

    def add(self, person_id: str, version: str, role: str | None) -> None:
        """Versions must be added oldest first; ``role`` None: the profile was removed."""
        self._versions.setdefault(person_id, []).append(version)
        self._roles.setdefault(person_id, []).append(role)

    def at(self, person_id: str | None, version: str) -> str | None:
        """The role a person had just before ``version``: UNKNOWN if their profile is
        not known from before it, None if it had been removed."""
        versions = self._versions.get(person_id or "")
        if not versions:
            return UNKNOWN
        i = bisect.bisect_left(versions, version)
        return self._roles[person_id or ""][i - 1] if i else UNKNOWN

    def timeline(self, person_id: str) -> list[tuple[str, str | None]]:
        return list(
            zip(self._versions.get(person_id, []), self._roles.get(person_id, []), strict=True)
        )

    def people(self) -> set[str]:
        return set(self._versions)


def judge(
    change: dict,
    prev: dict | None,
    roles: Roles,
    owner_of: Callable[[str], str | None],
    roster=None,
) -> Verdict:
    """May this version be accepted?

    ``prev``: the data of the previous accepted version of this record (None
    if there is none); ``owner_of(submission_id)``: the rep of a submission;
    ``roster``: the team's roster (app/sync/roster.py) — once it is founded, a
    later version must be signed by its editor with a key the roster trusts at
    that version, and roles come from the roster.
    """
    data = change["data"]
    editor = data.get("edited_by")
    if roster is not None and roster.active(change["version"]):
        signed = change.get("signed")
        if not signed:
            return refuse("it is not signed, and the team signs every change since its roster")
        if editor is None or signed["by"] != editor:
            return refuse("it is signed by someone else than the person who made it")
        trusted = roster.key_verdict(signed["by"], signed["key"], change["version"])
        if not trusted.ok:
            return trusted
        roles = roster.roles
    if editor is None:
        return _judge_earlier(change, roles)
    table, author, version = change["table"], change["author_id"], change["version"]
    role = roles.at(editor, version)
    if role == UNKNOWN and not (table == "people" and editor == change["id"] and prev is None):
        return wait("the profile of the person who made it has not arrived yet")
    if role is None:
        return refuse("it was made by someone whose profile had been removed")
    live_prev = prev if prev is not None and not prev["deleted"] else None
    if table != "teams":
        if live_prev is not None and live_prev["author_id"] != author:
            return refuse("a record keeps the author who made it")
        # (no author: one's own new profile, or an edit of a built-in record)
        unowned = author is None and (table == "people" or table in CATALOGUE)
        if prev is None and author != editor and not unowned:
            # A version by someone other than the record's author, and no earlier version
            # here: a later edit (a trainer's decision on a take, a rep's consent) read
            # before the record itself, or a forgery. Only its earlier versions can tell:
            # wait for them (refusing now would be undone when they arrive).
            return wait("the record it changes has not arrived yet")
    rule = RULES.get(table)
    return rule(change, live_prev, role, owner_of) if rule else ACCEPT


def _changed(data: dict, prev: dict | None, *allowed: str) -> bool:
    """True if anything besides the stamps and the ``allowed`` columns differs from ``prev``."""
    if prev is None:
        return True
    skip = STAMPS | set(allowed)
    return any(data.get(k) != prev.get(k) for k in data.keys() | prev.keys() if k not in skip)


def _people(change, prev, role, _owner) -> Verdict:
    data, editor = change["data"], change["data"]["edited_by"]
    if prev is None:
        if editor == change["id"] or role in REVIEWERS or data["role"] == "rep":
            return ACCEPT  # a new profile: one's own, a trainer's or manager's, or a rep's
        return refuse("only trainers and managers add trainers and managers")
    if data["deleted"]:
        return ACCEPT if role in REVIEWERS else refuse("only trainers and managers remove people")
    if data["role"] != prev["role"] and role != "manager":
        return refuse("only managers change someone's role")
    if editor == change["id"] or role in REVIEWERS:
        return ACCEPT
    return refuse("only the person, a trainer or a manager changes a profile")


def _teams(change, prev, role, _owner) -> Verdict:
    data = change["data"]
    if prev is None or (data["name"] == prev["name"] and not data["deleted"]):
        return ACCEPT  # anyone may name a team; re-creating it the same changes nothing
    return ACCEPT if role in REVIEWERS else refuse("only trainers and managers change teams")


def _by_reviewers(change, prev, role, _owner) -> Verdict:
    if role in REVIEWERS:
        return ACCEPT
    what = change["table"].replace("_", " ")
    return refuse(f"only trainers and managers change {what}")


def _submissions(change, prev, role, _owner) -> Verdict:
    data = change["data"]
    editor, rep = data["edited_by"], data["person_id"]
    if prev is None:
        if editor != rep:
            return refuse("a take can only be handed in by its rep")
        if data["status"] != "new" or data["decision_reason"]:
            return refuse("a take is handed in without a decision")
        return ACCEPT
    if rep != prev["person_id"]:
        return refuse("a take cannot change hands")
    if role in REVIEWERS and not _changed(data, prev, "status", "decision_reason", "deleted"):
        return ACCEPT  # a trainer's decision
    if editor == rep and not _changed(data, prev, "note", "self_scores", "deleted"):
        return ACCEPT  # the rep's own words, or withdrawing the take
    if editor == rep:
        return refuse("a rep cannot decide on their own take")
    return refuse("only the rep and trainers change a handed-in take")


def _reviews(change, prev, role, _owner) -> Verdict:
    data = change["data"]
    if data["edited_by"] != data["reviewer_id"] or change["author_id"] != data["reviewer_id"]:
        return refuse("a review can only be written by its reviewer")
    return ACCEPT if role in REVIEWERS else refuse("only trainers and managers write reviews")


def _comments(change, prev, role, _owner) -> Verdict:
    if change["data"]["edited_by"] != change["author_id"]:
        return refuse("only the person who wrote a comment changes it")
    return ACCEPT


def _top_videos(change, prev, role, owner_of) -> Verdict:
    data, editor = change["data"], change["data"]["edited_by"]
    if role in REVIEWERS:
        pending = data["consent"] == "pending" and data["consent_at"] is None
        if prev is None:
            return ACCEPT if pending else refuse("only the rep in the video agrees to share it")
        same_answer = (data["consent"], data["consent_at"]) == (prev["consent"], prev["consent_at"])
        if same_answer or pending:
            return ACCEPT  # re-worded, removed, or asked again
        return refuse("only the rep in the video agrees to share it")
    owner = owner_of(data["submission_id"])
    if owner is None:
        return wait("the take it is about has not arrived yet")
    if editor == owner:
        if prev is None:
            return refuse("only trainers and managers mark Top Videos")
        if _changed(data, prev, "consent", "consent_at"):
            return refuse("the rep only answers whether the video may be shared")
        return ACCEPT
    return refuse("only trainers and managers mark Top Videos")


RULES = {
    "people": _people,
    "teams": _teams,
    "submissions": _submissions,
    "reviews": _reviews,
    "comments": _comments,
    "top_videos": _top_videos,
    **dict.fromkeys(CATALOGUE | COACHING, _by_reviewers),
}


def _judge_earlier(change: dict, roles: Roles) -> Verdict:
    """Versions made before CrossCoach recorded editors: the earlier, author-based rules."""
    table, data, author = change["table"], change["data"], change["author_id"]
    needs_role = table in ("reviews", "top_videos") or table in COACHING
    needs_role = needs_role or (table in CATALOGUE and author is not None)
    role = roles.at(author, change["version"]) if author is not None else None
    if needs_role and role == UNKNOWN:
        return wait("the profile of the person who made it has not arrived yet")
    if table == "reviews":
        if author is None or author != data.get("reviewer_id"):
            return refuse("a review can only be written by its reviewer")
        if role not in REVIEWERS:
            return refuse("only trainers and managers write reviews")
    elif table == "submissions":
        if author is None or author != data.get("person_id"):
            return refuse("a take can only be handed in by its rep")
    elif table == "comments":
        if author is None:
            return refuse("a comment needs its author")
    elif table in COACHING or table == "top_videos":
        if role not in REVIEWERS:
            return refuse(f"only trainers and managers write {table.replace('_', ' ')}")
    elif table in CATALOGUE and author is not None and role not in REVIEWERS:
        return refuse("only trainers and managers change scenarios, products and rubrics")
    return ACCEPT
