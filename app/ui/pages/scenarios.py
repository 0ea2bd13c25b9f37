"""Scenarios: browse, search, read, create, edit, import and export the library."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import NotFound
from app.scenarios.library import ScenarioDetail, get_scenario, list_products
from app.ui import scenario_packs
from app.ui.errors import show_error
from app.ui.icons import set_icon
from app.ui.pages.base import Page, PageSpec
from app.ui.pages.scenario_detail import ScenarioDetailPane
from app.ui.pages.scenarios_model import ScenarioTableModel, load
from app.ui.scenario_editor import ScenarioEditor
from app.ui.state import AppState
from app.ui.widgets import typing_pause_timer

REVIEWERS_ONLY = "Only trainers and managers can {}."


class ScenariosPage(Page):
    def __init__(self, state: AppState):
        super().__init__()
        self.state = state
        self.model = ScenarioTableModel(self)
        self._search_timer = typing_pause_timer(self, self.reload)
        self._build_actions()
        self._build_layout()
        state.profile_changed.connect(lambda _p: self._apply_permissions())
        self._apply_permissions()
        self._fill_products()
        self.reload()

    # --- building ---------------------------------------------------------------------------

    def _action(self, text: str, icon_name: str, shortcut: str | None, slot) -> QAction:
        action = QAction(text, self)
        set_icon(action, icon_name)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        return action

    def _build_actions(self) -> None:
        self.find_action = self._action("Find…", "search", "Ctrl+F", self.focus_search)
        self.new_action = self._action("New scenario…", "add", "Ctrl+N", self.new_scenario)
        self.edit_action = self._action("Edit scenario…", "edit", None, self.edit_selected)
        self.import_action = self._action("Import pack…", "import", "Ctrl+I", self.import_pack)
        self.export_action = self._action("Export…", "export", "Ctrl+E", self.export_default)
        self.export_selected_action = self._action(
            "Export selected scenario…", "export", None, lambda: self.export(selected_only=True)
        )
        self.export_all_action = self._action(
            "Export all scenarios…", "export", None, lambda: self.export(selected_only=False)
        )

    def menu_actions(self) -> list[QAction]:
        return [
            self.find_action,
            self.new_action,
            self.edit_action,
            self.import_action,
            self.export_selected_action,
            self.export_all_action,
        ]

    def _button(self, action: QAction, text: str) -> QToolButton:
        action.setIconText(text)  # the short label a tool button shows
        button = QToolButton()
        button.setDefaultAction(action)
        button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        return button

    def _build_layout(self) -> None:
        self.search = QLineEdit(placeholderText="Search title, situation, product, keyword or tag")
        self.search.setClearButtonEnabled(True)
        search_icon = QAction(self.search)
        set_icon(search_icon, "search")
        self.search.addAction(search_icon, QLineEdit.ActionPosition.LeadingPosition)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.product = QComboBox()
        self.product.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.product.setMinimumContentsLength(12)
        self.product.currentIndexChanged.connect(lambda _i: self.reload())

        self.new_button = self._button(self.new_action, "New")
        self.edit_button = self._button(self.edit_action, "Edit")
        self.import_button = self._button(self.import_action, "Import")
        self.export_button = self._button(self.export_action, "Export")
        export_menu = QMenu(self.export_button)
        export_menu.addActions([self.export_selected_action, self.export_all_action])
        self.export_button.setMenu(export_menu)
        self.export_button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)

        bar = QHBoxLayout()
        bar.setSpacing(8)
        bar.addWidget(self.search, 2)
        bar.addWidget(self.product, 1)
        bar.addSpacing(12)
        for button in (self.new_button, self.edit_button, self.import_button, self.export_button):
            bar.addWidget(button)

        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)  # the title takes the rest
        for column, width in ((1, 130), (2, 150), (3, 80), (4, 95)):
            self.table.setColumnWidth(column, width)
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._selection_changed())
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.count = QLabel(objectName="hint")

        self.detail = ScenarioDetailPane()
        left = QVBoxLayout()
        left.setContentsMargins(0, 0, 0, 0)
        left.addWidget(self.table, 1)
        left.addWidget(self.count)
        left_widget = QWidget()
        left_widget.setLayout(left)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left_widget)
        splitter.addWidget(self.detail)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([640, 400])
        splitter.setChildrenCollapsible(False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(24, 12, 24, 16)
        layout.setSpacing(10)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)

    # --- data -------------------------------------------------------------------------------

    def _fill_products(self) -> None:
        chosen = self.product.currentData()
        self.product.blockSignals(True)
        self.product.clear()
        self.product.addItem("All products", None)
        with self.state.ctx.session() as s:
            for key, name in list_products(s):
                self.product.addItem(name, key)
        index = self.product.findData(chosen)
        self.product.setCurrentIndex(max(index, 0))
        self.product.blockSignals(False)

    def reload(self, select_id: str | None = None) -> None:
        """Run the search again; keep (or move to) the selected scenario if it is listed."""
        self._search_timer.stop()
        keep = select_id or (self.selected_detail().id if self.selected_detail() else None)
        with self.state.ctx.session() as s:
            shown = load(self.model, s, self.search.text(), self.product.currentData())
        self.count.setText(f"{shown} scenario{'s' if shown != 1 else ''}")
        row = self.model.index_of(keep) if keep else None
        if row is None:
            self.detail.show_detail(None)
        else:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect
                | QItemSelectionModel.SelectionFlag.Rows,
            )  # the reset cleared the current row, so this reports a change and shows the detail
        self._apply_permissions()

    def select_row(self, n: int) -> None:
        self.table.selectRow(n)

    def selected_detail(self) -> ScenarioDetail | None:
        return self.detail.detail

    def _selection_changed(self) -> None:
        index = self.table.selectionModel().currentIndex()
        if not index.isValid():
            self.detail.show_detail(None)
        else:
            row = self.model.row(index.row())
            try:
                with self.state.ctx.session() as s:
                    detail = get_scenario(s, row.id, self.state.ctx.paths.media)
            except NotFound:  # removed since the list was loaded (by sync, for example)
                detail = None
            self.detail.show_detail(detail)
        self._apply_permissions()

    # --- permissions ------------------------------------------------------------------------

    def _apply_permissions(self) -> None:
        profile = self.state.profile
        editor = profile is not None and profile.reviews
        has_selection = self.selected_detail() is not None
        for action, what, needs_selection in (
            (self.new_action, "create scenarios", False),
            (self.edit_action, "edit scenarios", True),
            (self.import_action, "import scenario packs", False),
        ):
            action.setEnabled(editor and (has_selection or not needs_selection))
            action.setToolTip(action.text().rstrip("…") if editor else REVIEWERS_ONLY.format(what))
        self.export_selected_action.setEnabled(has_selection)
        self.export_all_action.setEnabled(self.model.rowCount() > 0 or has_selection)

    # --- actions ----------------------------------------------------------------------------

    def focus_search(self) -> None:
        self.activate_requested.emit()
        self.search.setFocus()
        self.search.selectAll()

    def new_scenario(self) -> None:
        self.activate_requested.emit()
        self._open_editor(None)

    def edit_selected(self) -> None:
        detail = self.selected_detail()
        if detail is not None and self.edit_action.isEnabled():
            self.activate_requested.emit()
            self._open_editor(detail)

    def _open_editor(self, detail: ScenarioDetail | None) -> None:
        editor = ScenarioEditor(self.state, detail, self)
        if editor.exec() == ScenarioEditor.DialogCode.Accepted and editor.saved is not None:
            self._fill_products()
            self.reload(select_id=editor.saved.id)

    def import_pack(self) -> None:
        if not self.import_action.isEnabled():
            return
        self.activate_requested.emit()
        scenario_packs.import_pack(self, self.state, self._imported)

    def _imported(self, _result) -> None:
        self._fill_products()
        self.reload()

    def export_default(self) -> None:
        self.export(selected_only=self.selected_detail() is not None)

    def export(self, selected_only: bool) -> None:
        self.activate_requested.emit()
        detail = self.selected_detail()
        if selected_only and detail is None:
            show_error(self, scenario_packs.nothing_selected())
            return
        scenario_packs.export_pack(self, self.state, detail.key if selected_only else None)


PAGE = PageSpec(
    "scenarios",
    "Scenarios",
    "The customer situations you practise: what the customer has, what to suggest, and how it is scored.",
    "scenarios",
    ScenariosPage,
)
