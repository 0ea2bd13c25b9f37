"""Who may write which record: checked on every device for every incoming change.

The rules read only the record itself and the people this device knows, so a
change file edited by hand that breaks them is refused everywhere alike.
(PostgreSQL additionally checks who pushes: app/sync/sql/postgres_security.sql.)
``docs/sync.md`` explains them and what they cannot catch in folder mode.
"""

from __future__ import annotations

from dataclasses import dataclass

REVIEWER_ROLES = {"trainer", "manager"}
# Catalogue content: trainers and managers write it; the built-in pack has no author.
CATALOGUE = {"products", "cross_sells", "rubrics", "rubric_criteria", "scenarios"}
COACHING = {"assignments", "top_videos", "rewards"}


@dataclass(frozen=True)
class Verdict:
    ok: bool
    wait: bool = False  # the author is not known here yet: hold the change, do not refuse it
    reason: str = ""


ACCEPT = Verdict(True)


def refuse(reason: str) -> Verdict:
    return Verdict(False, reason=reason)


def judge(change: dict, roles: dict[str, str]) -> Verdict:
    """May this change be applied, given everyone's role?

    The verdict depends on the change alone (and on who is who), never on
    what this device happens to hold already: so every device, whatever order
    changes reach it in, accepts and refuses the same ones and ends identical.
    """
    table, data, author = change["table"], change["data"], change["author_id"]
    needs_role = table == "reviews" or table in COACHING or (table in CATALOGUE and author)
    if needs_role and author is not None and author not in roles:
        return Verdict(False, wait=True, reason="its author's profile has not arrived yet")
    role = roles.get(author)
    if table == "reviews":
        if author is None or author != data.get("reviewer_id"):
            return refuse("a review can only be written by its reviewer")
        if role not in REVIEWER_ROLES:
            return refuse("only trainers and managers write reviews")
    elif table == "submissions":
        if author is None or author != data.get("person_id"):
            return refuse("a submission can only be handed in by its rep")
    elif table == "comments":
        if author is None:
            return refuse("a comment needs its author")
    elif table in COACHING:
        if role not in REVIEWER_ROLES:
            return refuse(f"only trainers and managers write {table.replace('_', ' ')}")
    elif table in CATALOGUE and author is not None and role not in REVIEWER_ROLES:
        return refuse("only trainers and managers change scenarios, products and rubrics")
    return ACCEPT
