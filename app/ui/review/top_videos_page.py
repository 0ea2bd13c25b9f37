"""Top Videos: a gallery everyone can watch, of the videos reps agreed to share.

A rep whose video a trainer marked sees the request at the top of this page
(a banner with "Share it" / "Don't share"): nothing is shown to the team
before the rep says yes. The best video per scenario and per month is
highlighted in the gallery.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.core.media import find_media
from app.core.profiles import Profile
from app.identity.context import AppContext
from app.review.filters import filter_choices
from app.review.top_videos import TopVideoCard, best_videos, gallery, pending_requests, set_consent
from app.sync.service import RECORDINGS
from app.ui.pages.base import Page, PageSpec
from app.ui.review import dialogs
from app.ui.review.comment_widgets import CommentList, markers_for
from app.ui.review.player import CoachingPlayer
from app.ui.state import AppState
from app.ui.tasks import BackgroundTask
from app.ui.widgets import EmptyState

SHOWN_TABLES = ("top_videos", "submissions", "scenarios", "people", RECORDINGS)

THUMB = QSize(256, 144)
BEST_COLOR = "#b8860b"


@dataclass(frozen=True)
class GalleryData:
    cards: list[TopVideoCard]
    best: dict[str, list[str]]  # submission id -> what it is best for
    requests: list[TopVideoCard]


def read_gallery(
    ctx: AppContext, profile: Profile | None, scenario_key: str | None, product_key: str | None
) -> GalleryData:
    """Runs in a worker: thumbnails may have to be made."""
    with ctx.session() as s:
        cards = gallery(s, ctx.paths, scenario_key=scenario_key, product_key=product_key)
        best: dict[str, list[str]] = {}
        for card in best_videos(s, ctx.paths, "scenario").values():
            best.setdefault(card.submission_id, []).append("Best for this scenario")
        for month, card in best_videos(s, ctx.paths, "month").items():
            best.setdefault(card.submission_id, []).append(f"Best of {month}")
        requests = pending_requests(s, ctx.paths, profile) if profile else []
    return GalleryData(cards, best, requests)


def _thumbnail(card: TopVideoCard) -> QIcon:
    pixmap = QPixmap(str(card.thumbnail)) if card.thumbnail else QPixmap()
    if pixmap.isNull():
        pixmap = QPixmap(THUMB)
        pixmap.fill(QColor("#3a3f47"))
    return QIcon(
        pixmap.scaled(
            THUMB, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
    )


def card_text(card: TopVideoCard, best: list[str]) -> str:
    points = "not scored" if card.mean_points is None else f"{card.mean_points:.1f} points"
    lines = [card.scenario_title, f"{card.rep_name} · {points}"]
    if best:
        lines.insert(0, "★ " + " · ".join(best))
    return "\n".join(lines)


class ConsentBanner(QFrame):
    """The rep's pending Top Video requests, each with its two answers."""

    def __init__(self, answer, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("consentBanner")
        self.setStyleSheet(
            "QFrame#consentBanner { background: #fff4d6; border: 1px solid #e0b44c;"
            " border-radius: 6px; } QFrame#consentBanner QLabel { color: #3d2f00; }"
        )
        self._answer = answer
        self._layout = QVBoxLayout(self)
        self.hide()

    def show_requests(self, requests: list[TopVideoCard]) -> None:
        while self._layout.count():
            item = self._layout.takeAt(0)
            if item.widget():
                item.widget().deleteLater()
            elif item.layout():
                _clear(item.layout())
        for card in requests:
            text = QLabel(
                f"{card.marked_by} would like to share your video “{card.scenario_title}” "
                f"with the team as a Top Video: “{card.reason}”. It is shared only if you agree.",
                objectName="consentText",
            )
            text.setWordWrap(True)
            share = QPushButton("Share it", objectName="grantConsent")
            share.clicked.connect(lambda _c=False, sid=card.submission_id: self._answer(sid, True))
            keep = QPushButton("Don't share", objectName="refuseConsent")
            keep.clicked.connect(lambda _c=False, sid=card.submission_id: self._answer(sid, False))
            row = QHBoxLayout()
            row.addWidget(text, 1)
            row.addWidget(share)
            row.addWidget(keep)
            self._layout.addLayout(row)
        self.setVisible(bool(requests))


def _clear(layout) -> None:
    while layout.count():
        item = layout.takeAt(0)
        if item.widget():
            item.widget().deleteLater()


class TopVideoViewer(QWidget):
    """One Top Video: the player with its comment markers, the reason and the comments."""

    def __init__(self, back, parent: QWidget | None = None):
        super().__init__(parent)
        self.back_button = QPushButton("Back to the gallery", objectName="backToGallery")
        self.back_button.clicked.connect(back)
        self.title = QLabel(objectName="detailTitle")
        self.reason = QLabel(objectName="topReason")
        self.reason.setWordWrap(True)
        self.player = CoachingPlayer(key_host=self)
        self.comments = CommentList()
        self.comments.jump_requested.connect(self.player.seek)
        head = QHBoxLayout()
        head.addWidget(self.back_button)
        head.addWidget(self.title, 1)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(QLabel("Why it is a Top Video", objectName="sectionTitle"))
        side_layout.addWidget(self.reason)
        side_layout.addWidget(QLabel("Trainer comments", objectName="sectionTitle"))
        side_layout.addWidget(self.comments, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(self.player)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 8, 16, 8)
        layout.addLayout(head)
        layout.addWidget(splitter, 1)

    def show_card(self, card: TopVideoCard, video) -> None:
        self.title.setText(f"{card.scenario_title} · {card.rep_name}")
        self.reason.setText(f"“{card.reason}” — {card.marked_by}")
        self.comments.set_comments(card.comments)
        self.player.set_markers(markers_for(card.comments))
        if video is None:
            self.player.close_video()
        else:
            self.player.open(video, autoplay=True)


class TopVideosPage(Page):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.data: GalleryData | None = None
        self.loading: BackgroundTask | None = None
        self._reload_again = False

        self.banner = ConsentBanner(self.answer_request)
        self.scenario_box = QComboBox(objectName="topScenarioFilter")
        self.product_box = QComboBox(objectName="topProductFilter")
        for box in (self.scenario_box, self.product_box):
            box.setMinimumWidth(200)
            box.currentIndexChanged.connect(lambda _i: self.reload())
        filters = QHBoxLayout()
        filters.addWidget(QLabel("Scenario"))
        filters.addWidget(self.scenario_box)
        filters.addWidget(QLabel("Product"))
        filters.addWidget(self.product_box)
        filters.addStretch(1)
        self.gallery = QListWidget(objectName="topGallery")
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setIconSize(THUMB)
        self.gallery.setGridSize(QSize(THUMB.width() + 24, THUMB.height() + 78))
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setWordWrap(True)
        self.gallery.setSpacing(8)
        self.gallery.itemActivated.connect(self._open_item)
        self.gallery.itemDoubleClicked.connect(self._open_item)
        self.reason = QLabel(objectName="hint")
        self.reason.setWordWrap(True)
        self.gallery.currentItemChanged.connect(self._show_reason)
        self.empty = EmptyState(
            "top_videos",
            "No Top Videos yet",
            "When a trainer marks a video as an example and its rep agrees to share it, "
            "it appears here for the whole team.",
        )
        self.body = QStackedWidget()
        self.body.addWidget(self.gallery)
        self.body.addWidget(self.empty)

        browse = QWidget()
        browse_layout = QVBoxLayout(browse)
        browse_layout.setContentsMargins(24, 12, 24, 12)
        browse_layout.addWidget(self.banner)
        browse_layout.addLayout(filters)
        browse_layout.addWidget(self.body, 1)
        browse_layout.addWidget(self.reason)
        self.viewer = TopVideoViewer(self.back_to_gallery)
        self.stack = QStackedWidget()
        self.stack.addWidget(browse)
        self.stack.addWidget(self.viewer)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)
        state.profile_changed.connect(lambda _p: self.refresh())
        state.sync.on_arrival(self, SHOWN_TABLES, self.reload)  # what a sync brought

    def showEvent(self, event) -> None:  # noqa: N802 - Qt override
        super().showEvent(event)
        if self.stack.currentIndex() == 0:
            self.refresh()

    def refresh(self) -> None:
        with self.state.ctx.session() as s:
            choices = filter_choices(s)
        for box, everything, items in (
            (
                self.scenario_box,
                "All scenarios",
                [(key, title) for _i, key, title in choices.scenarios],
            ),
            (self.product_box, "All products", choices.products),
        ):
            chosen = box.currentData()
            box.blockSignals(True)
            box.clear()
            box.addItem(everything, None)
            for value, text in items:
                box.addItem(text, value)
            box.setCurrentIndex(max(0, box.findData(chosen)) if chosen else 0)
            box.blockSignals(False)
        self.reload()

    def reload(self) -> None:
        """Read the gallery in the background; a change meanwhile reads it again after."""
        if self.loading is not None:
            self._reload_again = True
            return
        scenario, product = self.scenario_box.currentData(), self.product_box.currentData()
        ctx, profile = self.state.ctx, self.state.profile
        self.loading = BackgroundTask(
            self,
            "Loading the Top Videos…",
            lambda: read_gallery(ctx, profile, scenario, product),
            self._show,
        )
        self.loading.done.connect(self._loaded)

    def _loaded(self) -> None:
        self.loading = None
        if self._reload_again:
            self._reload_again = False
            self.reload()

    def _show(self, data: GalleryData) -> None:
        self.data = data
        self.banner.show_requests(data.requests)
        self.gallery.clear()
        for card in data.cards:
            best = data.best.get(card.submission_id, [])
            item = QListWidgetItem(_thumbnail(card), card_text(card, best))
            item.setData(Qt.ItemDataRole.UserRole, card)
            item.setToolTip(f"“{card.reason}” — {card.marked_by}")
            if best:
                item.setForeground(QColor(BEST_COLOR))
            self.gallery.addItem(item)
        self.body.setCurrentWidget(self.gallery if data.cards else self.empty)
        if data.cards:
            self.gallery.setCurrentRow(0)

    def _show_reason(self, item: QListWidgetItem | None, _previous=None) -> None:
        card: TopVideoCard | None = item.data(Qt.ItemDataRole.UserRole) if item else None
        self.reason.setText(
            f"Why: “{card.reason}” — {card.marked_by}. Double-click (or Enter) to watch."
            if card
            else ""
        )

    def _open_item(self, item: QListWidgetItem) -> None:
        self.open_card(item.data(Qt.ItemDataRole.UserRole))

    def open_card(self, card: TopVideoCard) -> None:
        self.viewer.show_card(card, find_media(self.state.ctx.paths.media, card.sha256))
        self.stack.setCurrentWidget(self.viewer)

    def back_to_gallery(self) -> None:
        self.viewer.player.close_video()
        self.stack.setCurrentIndex(0)

    def answer_request(self, submission_id: str, granted: bool) -> None:
        try:
            me = self.state.ctx.profile()
            with self.state.ctx.session() as s:
                set_consent(s, me, submission_id, granted)
        except UserError as err:
            dialogs.show_error(self, err)
            return
        self.reload()


PAGE = PageSpec(
    "top_videos",
    "Top Videos",
    "Takes trainers chose as examples for the whole team, shared with the rep's consent.",
    "top_videos",
    TopVideosPage,
)
