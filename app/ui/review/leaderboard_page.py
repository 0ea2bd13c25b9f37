"""Leaderboard: ranks by points from reviews, per period and team, with badges.

Ranks are the domain's (ties share a rank); the top three rows are drawn in
gold, silver and bronze. Trainers and managers grant rewards from here.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from app.core.clock import utcnow
from app.core.errors import UserError
from app.review.filters import filter_choices
from app.review.leaderboard import Leaderboard, leaderboard
from app.review.periods import period_of
from app.review.rewards import RewardView, grant_reward
from app.ui.icons import set_icon
from app.ui.pages.base import Page, PageSpec
from app.ui.review import dialogs
from app.ui.state import AppState
from app.ui.widgets import EmptyState

SHOWN_TABLES = ("reviews", "rewards", "submissions", "people", "teams")

PERIODS = (
    ("This week", "week"),
    ("This month", "month"),
    ("This quarter", "quarter"),
    ("All time", "all"),
)
# Gold, silver, bronze: light fills that keep dark text readable in both themes.
PODIUM = ("#f6d365", "#d9dde3", "#e8b48a")
PODIUM_TEXT = "#1f2329"
HEADERS = ("Rank", "Rep", "Team", "Points", "Reviewed takes", "Mean points", "Badges and rewards")


def badge_text(reward: RewardView) -> str:
    period = f" ({reward.period})" if reward.period else ""
    return f"★ {reward.title}{period}"


class LeaderboardPage(Page):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.board: Leaderboard | None = None
        self.period_box = QComboBox(objectName="periodFilter")
        for text, kind in PERIODS:
            self.period_box.addItem(text, kind)
        self.period_box.setCurrentIndex(1)
        self.team_box = QComboBox(objectName="leaderTeamFilter")
        self.team_box.addItem("All teams", None)
        self.team_box.setMinimumWidth(160)
        for box in (self.period_box, self.team_box):
            box.currentIndexChanged.connect(lambda _i: self.reload())
        self.period_label = QLabel(objectName="hint")
        self.grant_button = QPushButton("Grant a reward…", objectName="grantReward")
        set_icon(self.grant_button, "leaderboard")
        self.grant_button.clicked.connect(self.grant)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Period"))
        bar.addWidget(self.period_box)
        bar.addWidget(QLabel("Team"))
        bar.addWidget(self.team_box)
        bar.addWidget(self.period_label)
        bar.addStretch(1)
        bar.addWidget(self.grant_button)

        self.table = QTableWidget(objectName="leaderTable")
        self.table.setColumnCount(len(HEADERS))
        self.table.setHorizontalHeaderLabels(HEADERS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.empty = EmptyState(
            "leaderboard",
            "No points in this period yet",
            "Points come from trainers' reviews. Choose a longer period, or review some takes.",
        )
        self.body = QStackedWidget()
        self.body.addWidget(self.table)
        self.body.addWidget(self.empty)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 12)
        layout.addLayout(bar)
        layout.addWidget(self.body, 1)
        state.profile_changed.connect(lambda _p: self.refresh())
        state.sync.on_arrival(self, SHOWN_TABLES, self.reload)  # what a sync brought

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        profile = self.state.profile
        self.grant_button.setVisible(profile is not None and profile.reviews)
        with self.state.ctx.session() as s:
            teams = filter_choices(s).teams
        chosen = self.team_box.currentData()
        self.team_box.blockSignals(True)
        self.team_box.clear()
        self.team_box.addItem("All teams", None)
        for team_id, name in teams:
            self.team_box.addItem(name, team_id)
        self.team_box.setCurrentIndex(max(0, self.team_box.findData(chosen)) if chosen else 0)
        self.team_box.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        with self.state.ctx.session() as s:
            board = leaderboard(
                s, self.period_box.currentData(), team_id=self.team_box.currentData()
            )
        self.show_board(board)

    def show_board(self, board: Leaderboard) -> None:
        self.board = board
        label = "all time" if board.period.kind == "all" else board.period.label
        self.period_label.setText(f"  {label} · top 3 highlighted")
        self.table.setRowCount(len(board.entries))
        bold = QFont()
        bold.setBold(True)
        for row, entry in enumerate(board.entries):
            cells = (
                str(entry.rank),
                entry.name,
                entry.team or "—",
                f"{entry.points:.1f}",
                str(entry.submissions),
                f"{entry.mean_points:.1f}",
                "   ".join(badge_text(r) for r in entry.rewards),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column in (0, 3, 4, 5):
                    item.setTextAlignment(
                        Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
                    )
                if entry.highlighted:
                    item.setBackground(QBrush(QColor(PODIUM[entry.rank - 1])))
                    item.setForeground(QBrush(QColor(PODIUM_TEXT)))
                    item.setFont(bold)
                self.table.setItem(row, column, item)
        self.body.setCurrentWidget(self.table if board.entries else self.empty)

    def grant(self) -> None:
        with self.state.ctx.session() as s:
            reps = filter_choices(s).reps
        now = utcnow()
        periods = [period_of(kind, now).label for kind in ("month", "week", "quarter")]
        answer = dialogs.ask_reward(self, reps, periods)
        if answer is None:
            return
        try:
            me = self.state.ctx.profile()
            with self.state.ctx.session() as s:
                grant_reward(
                    s,
                    me,
                    answer["person_id"] or "",
                    answer["title"],
                    badge=answer["badge"],
                    period=answer["period"],
                )
        except UserError as err:
            dialogs.show_error(self, err)
            return
        self.reload()


PAGE = PageSpec(
    "leaderboard",
    "Leaderboard",
    "Points from trainers' reviews by week, month, quarter or all time, with badges and rewards.",
    "leaderboard",
    LeaderboardPage,
)
