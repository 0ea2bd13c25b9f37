"""What the main window knows about a page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from app.ui.state import AppState


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

    def busy(self) -> bool:
        """True while the page does something a lock must not interrupt (a recording)."""
        return False


@dataclass(frozen=True)
class PageSpec:
    key: str  # stable name, remembered as the last page
    title: str
    subtitle: str  # one line under the title in the page header
    icon: str  # a name in resources/icons
    factory: Callable[[AppState], Page]
    reviewers_only: bool = False  # trainers and managers only
