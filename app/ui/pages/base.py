"""What the main window knows about a page, and the "coming soon" page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QVBoxLayout, QWidget

from app.ui.state import AppState
from app.ui.widgets import EmptyState


class Page(QWidget):
    """Base of every page.

    ``activate_requested`` asks the window to bring this page to the front
    (an action's shortcut fired while another page was showing).
    ``menu_actions`` are added to the window's menu under the page's title,
    so their shortcuts work from anywhere.
    """

    activate_requested = Signal()

    def menu_actions(self) -> list[QAction]:
        return []


@dataclass(frozen=True)
class PageSpec:
    key: str  # stable name, remembered as the last page
    title: str
    subtitle: str  # one line under the title in the page header
    icon: str  # a name in resources/icons
    factory: Callable[[AppState], Page]
    reviewers_only: bool = False  # trainers and managers only


class ComingSoonPage(Page):
    """An honest placeholder for a page a later version fills in: no made-up data."""

    def __init__(self, icon_name: str, text: str):
        super().__init__()
        layout = QVBoxLayout(self)
        self.empty = EmptyState(icon_name, "Coming soon", text)
        layout.addWidget(self.empty)


def coming_soon(key: str, title: str, icon_name: str, text: str, **kw) -> PageSpec:
    return PageSpec(
        key, title, text, icon_name, lambda _state: ComingSoonPage(icon_name, text), **kw
    )
