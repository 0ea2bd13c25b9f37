"""CSV export of review scores: one row per review, stable columns, UTF-8.

Columns: the fixed ones, then one per rubric criterion (rubrics in key order,
criteria in rubric order), then points and decision. A criterion that is not
in a row's rubric is left empty. The file starts with a UTF-8 byte-order mark
so spreadsheet programs read names with accents correctly, and no text cell
can start a formula (see :func:`spreadsheet_safe`).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from app.core.errors import UserError
from app.core.files import commit, export_target
from app.review.periods import ALL_TIME, Period, period_of
from app.review.scores import ScoreRow

FIXED_COLUMNS = (
    "submission_id",
    "rep",
    "team",
    "scenario",
    "reviewer",
    "reviewed_date",
    "period",
)
LAST_COLUMNS = ("points", "decision")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def score_columns(rows: list[ScoreRow]) -> list[str]:
    keys: list[str] = []
    for row in sorted(rows, key=lambda r: r.scenario_key):
        keys.extend(c.key for c in row.criteria if c.key not in keys)
    return [*FIXED_COLUMNS, *keys, *LAST_COLUMNS]


def score_table(rows: list[ScoreRow], period: Period = ALL_TIME) -> list[list[str]]:
    """Header and cells as text. ``period`` is the exported period's label, or
    each review's month when exporting all time."""
    columns = score_columns(rows)
    criteria = columns[len(FIXED_COLUMNS) : -len(LAST_COLUMNS)]
    table = [columns]
    for row in rows:
        label = (
            period.label if period.start is not None else period_of("month", row.reviewed_at).label
        )
        table.append(
            [
                row.submission_id,
                row.rep_name,
                row.team or "",
                row.scenario_key,
                row.reviewer_name,
                row.reviewed_at.date().isoformat(),
                label,
                *(str(row.scores[key]) if key in row.scores else "" for key in criteria),
                f"{row.points:.1f}",
                row.decision.value,
            ]
        )
    return table


def spreadsheet_safe(cell: str) -> str:
    """The cell as a spreadsheet program should show it: as text, never as a formula.

    OWASP's advice on CSV injection: a cell starting with = + - @, a tab or a carriage
    return gets a leading single quote, so a rep named ``=HYPERLINK(...)`` stays a name.
    A plain number (``-3``, ``72.5``) is left alone and stays a number.
    """
    if cell.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def write_scores_csv(path: Path, rows: list[ScoreRow], period: Period = ALL_TIME) -> int:
    """Write the table to ``path`` (replacing it whole, never half); returns the row count.

    ``path`` may be a new file, a regular file to replace or a link of the user's to one
    (see :func:`app.core.files.export_target`).
    """
    path = export_target(path, "scores.csv")
    if not path.parent.is_dir():
        raise UserError(
            f"The folder {path.parent} does not exist.",
            "Choose a folder that exists for the CSV file.",
        )
    tmp = path.with_name(f".{path.name}.partial")
    try:
        with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
            csv.writer(f).writerows(
                [spreadsheet_safe(cell) for cell in row] for row in score_table(rows, period)
            )
        commit(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(
            f"CrossCoach could not write {path} ({exc.strerror or exc}).",
            "Choose a file in a folder you can write to.",
        ) from exc
    return len(rows)
