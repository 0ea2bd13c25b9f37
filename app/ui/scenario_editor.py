"""Create or edit a scenario and its rubric, with each problem shown under its field.

Validation is the library's (``validate_draft``), so the editor, the CLI and
pack import agree. A field shows its problem once it has been touched, and
every field does after a refused Save.
"""

from __future__ import annotations

import re

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.core.errors import UserError
from app.scenarios import rules
from app.scenarios.library import (
    DraftInvalid,
    FieldError,
    ScenarioDetail,
    ScenarioDraft,
    list_products,
    list_rubrics,
    save_scenario,
    validate_draft,
)
from app.scenarios.rubrics import Criterion, rubric_criteria
from app.ui.errors import show_error
from app.ui.icons import set_icon
from app.ui.state import AppState
from app.ui.widgets import FieldError as FieldErrorLabel

VALIDATE_DELAY_MS = 200
CRITERION_COLUMNS = ("Key", "Name", "Description", "Weight", "Max score")
NEW_RUBRIC = "__new__"


def split_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def split_commas(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _number(text: str, kind):
    """The cell as a number, or the text itself so validation can name the problem."""
    try:
        return kind(text.strip())
    except ValueError:
        return text


class ScenarioEditor(QDialog):
    def __init__(
        self, state: AppState, detail: ScenarioDetail | None, parent: QWidget | None = None
    ):
        super().__init__(parent)
        self.state = state
        self.draft_id = detail.id if detail else None
        self.saved: ScenarioDetail | None = None
        self.errors: dict[str, FieldErrorLabel] = {}
        self.inputs: dict[str, QWidget] = {}
        self._forms: list[QFormLayout] = []
        self._touched: set[str] = set()
        self._show_all = False
        self._loading = True  # form filled from the draft: not the user's changes
        self._validate_timer = QTimer(self, singleShot=True, interval=VALIDATE_DELAY_MS)
        self._validate_timer.timeout.connect(self.validate)
        self.setObjectName("scenarioEditor")
        self.setWindowTitle(f"Edit scenario: {detail.title}" if detail else "New scenario")
        with state.ctx.session() as s:
            self._products = list_products(s)
            self._rubrics = list_rubrics(s)
        self._build()
        self._load(ScenarioDraft.from_detail(detail) if detail else ScenarioDraft.blank())
        self.resize(820, 760)

    # --- building ---------------------------------------------------------------------------

    def _field(
        self,
        form: QFormLayout,
        label: str,
        name: str,
        widget: QWidget,
        hint: str = "",
        target: QWidget | None = None,
    ) -> None:
        """Add a row: the widget, an optional hint, and the (hidden) error label under it.

        ``target`` is the input inside ``widget`` that is watched, marked and
        focused (default: ``widget`` itself)."""
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(widget)
        if hint:
            note = QLabel(hint, objectName="hint")
            note.setWordWrap(True)
            column.addWidget(note)
        error = FieldErrorLabel()
        column.addWidget(error)
        form.addRow(label, column)
        self.errors[name] = error
        target = target or widget
        self.inputs[name] = target
        _changed_signal(target).connect(lambda *_a, n=name: self._changed(n))

    def _group(self, title: str, layout: QVBoxLayout) -> QFormLayout:
        box = QGroupBox(title)
        form = QFormLayout(box)
        # every row spans the width, so hints and errors wrap at the dialog's width
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        layout.addWidget(box)
        self._forms.append(form)
        return form

    def _align_labels(self) -> None:
        """One label width for every section, so the fields line up down the dialog."""
        labels = [
            form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget()
            for form in self._forms
            for row in range(form.rowCount())
        ]
        width = max(label.sizeHint().width() for label in labels)
        for label in labels:
            label.setMinimumWidth(width)
            label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
            label.setContentsMargins(0, 4, 0, 0)  # level with the text inside the field

    def _spin(self, field: str) -> QSpinBox:
        rule = rules.SCENARIO_RULES[field]
        spin = QSpinBox()
        spin.setRange(rule.low, rule.high)
        if rule.unit:
            spin.setSuffix(f" {rule.unit}")
        spin.setMaximumWidth(160)
        return spin

    def _build(self) -> None:
        body = QWidget()
        column = QVBoxLayout(body)
        column.setSpacing(12)

        form = self._group("The scenario", column)
        self.title = QLineEdit()
        self.key = QLineEdit(placeholderText="Made from the title when left empty")
        self.situation = QPlainTextEdit()
        self.customer_line = QPlainTextEdit()
        for edit, lines in ((self.situation, 5), (self.customer_line, 3)):
            edit.setTabChangesFocus(True)
            edit.setFixedHeight(edit.fontMetrics().lineSpacing() * lines + 14)
        self._field(form, "Title", "title", self.title)
        self._field(form, "Key", "key", self.key, "A short name for packs and the command line.")
        self._field(form, "Situation", "situation", self.situation)
        self._field(form, "Customer says", "customer_line", self.customer_line)

        form = self._group("Products", column)
        self.product = QComboBox()
        self.cross_sell = QComboBox()
        for combo in (self.product, self.cross_sell):
            combo.setPlaceholderText("Choose a product")
            for key, name in self._products:
                combo.addItem(name, key)
        for combo in (self.product, self.cross_sell):
            combo.setMaximumWidth(380)
        self._field(form, "Customer has", "product_key", self.product)
        self._field(form, "Suggest", "cross_sell_key", self.cross_sell)

        form = self._group("Coaching", column)
        self.talking_points = QPlainTextEdit()
        self.talking_points.setTabChangesFocus(True)
        self.talking_points.setFixedHeight(self.talking_points.fontMetrics().lineSpacing() * 5 + 14)
        self.keywords_mention = QLineEdit()
        self.keywords_avoid = QLineEdit()
        self.tags = QLineEdit()
        self.difficulty = QComboBox()
        for level in rules.DIFFICULTIES:
            self.difficulty.addItem(level.capitalize(), level)
        self.difficulty.setMaximumWidth(160)
        self._field(form, "Talking points", "talking_points", self.talking_points, "One per line.")
        self._field(
            form, "Mention", "keywords_mention", self.keywords_mention, "Separate with commas."
        )
        self._field(form, "Avoid", "keywords_avoid", self.keywords_avoid, "Separate with commas.")
        self._field(form, "Tags", "tags", self.tags, "Separate with commas.")
        self._field(form, "Difficulty", "difficulty", self.difficulty)

        form = self._group("Timing", column)
        self.prep_seconds = self._spin("prep_seconds")
        self.max_answer_seconds = self._spin("max_answer_seconds")
        self.allowed_attempts = self._spin("allowed_attempts")
        self._field(form, "Preparation", "prep_seconds", self.prep_seconds)
        self._field(form, "Answer up to", "max_answer_seconds", self.max_answer_seconds)
        self._field(form, "Attempts", "allowed_attempts", self.allowed_attempts)

        form = self._group("Rubric", column)
        self.rubric = QComboBox()
        for key, name in self._rubrics:
            self.rubric.addItem(name, key)
        self.rubric.addItem("A new rubric for this scenario", NEW_RUBRIC)
        self.rubric.setMaximumWidth(380)
        self._field(
            form,
            "Rubric",
            "rubric_key",
            self.rubric,
            "A rubric can be shared: changing its criteria changes them for every scenario using it.",
        )
        self.rubric.currentIndexChanged.connect(lambda _i: self._rubric_chosen())
        self.criteria = QTableWidget(0, len(CRITERION_COLUMNS))
        self.criteria.setHorizontalHeaderLabels(CRITERION_COLUMNS)
        self.criteria.verticalHeader().hide()
        self.criteria.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        header = self.criteria.horizontalHeader()
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        for col, width in ((0, 110), (1, 170), (3, 70), (4, 80)):
            self.criteria.setColumnWidth(col, width)
        self.criteria.setMinimumHeight(170)
        add = QPushButton("Add criterion")
        remove = QPushButton("Remove criterion")
        set_icon(add, "add")
        set_icon(remove, "delete")
        add.clicked.connect(self.add_criterion)
        remove.clicked.connect(self.remove_criterion)
        self.remove_criterion_button = remove
        buttons = QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addWidget(self.criteria)
        holder_layout.addLayout(buttons)
        self._field(form, "Criteria", "criteria", holder, target=self.criteria)
        column.addStretch(1)
        self._align_labels()

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        self.scroll = scroll

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        set_icon(self.save_button, "save")
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        self.summary = FieldErrorLabel()
        layout = QVBoxLayout(self)
        layout.addWidget(scroll, 1)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

    # --- draft <-> form ---------------------------------------------------------------------

    def _load(self, d: ScenarioDraft) -> None:
        self._loading = True
        self.title.setText(d.title)
        self.key.setText(d.key)
        self.situation.setPlainText(d.situation)
        self.customer_line.setPlainText(d.customer_line)
        self.product.setCurrentIndex(self.product.findData(d.product_key))
        self.cross_sell.setCurrentIndex(self.cross_sell.findData(d.cross_sell_key))
        self.talking_points.setPlainText("\n".join(d.talking_points))
        self.keywords_mention.setText(", ".join(d.keywords_mention))
        self.keywords_avoid.setText(", ".join(d.keywords_avoid))
        self.tags.setText(", ".join(d.tags))
        self.difficulty.setCurrentIndex(max(self.difficulty.findData(d.difficulty), 0))
        self.prep_seconds.setValue(d.prep_seconds)
        self.max_answer_seconds.setValue(d.max_answer_seconds)
        self.allowed_attempts.setValue(d.allowed_attempts)
        rubric_index = self.rubric.findData(d.rubric_key) if d.rubric_key else -1
        self.rubric.setCurrentIndex(rubric_index if rubric_index >= 0 else self.rubric.count() - 1)
        self._set_criteria(d.criteria)
        self._loading = False

    def _set_criteria(self, criteria) -> None:
        self.criteria.blockSignals(True)
        self.criteria.setRowCount(0)
        for c in criteria:
            self._append_criterion(c.key, c.name, c.description, f"{c.weight:g}", str(c.max_score))
        self.criteria.blockSignals(False)

    def _append_criterion(self, *cells: str) -> None:
        row = self.criteria.rowCount()
        self.criteria.insertRow(row)
        for col, text in enumerate(cells):
            item = QTableWidgetItem(text)
            if col >= 3:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.criteria.setItem(row, col, item)

    def _rubric_key(self) -> str:
        key = self.rubric.currentData()
        if key != NEW_RUBRIC:
            return key or ""
        base = (self.key.text().strip() or _slug(self.title.text()))[:60] or "scenario"
        taken = {k for k, _ in self._rubrics}
        candidate, n = f"{base}-rubric", 2
        while candidate in taken:
            candidate, n = f"{base}-rubric-{n}", n + 1
        return candidate

    def draft(self) -> ScenarioDraft:
        criteria = []
        for row in range(self.criteria.rowCount()):
            cell = [
                (self.criteria.item(row, c).text() if self.criteria.item(row, c) else "")
                for c in range(5)
            ]
            criteria.append(
                Criterion(
                    key=cell[0].strip(),
                    name=cell[1].strip(),
                    description=cell[2].strip(),
                    weight=_number(cell[3], float),
                    max_score=_number(cell[4], int),
                )
            )
        return ScenarioDraft(
            key=self.key.text().strip(),
            title=self.title.text(),
            situation=self.situation.toPlainText(),
            customer_line=self.customer_line.toPlainText(),
            product_key=self.product.currentData() or "",
            cross_sell_key=self.cross_sell.currentData() or "",
            talking_points=split_lines(self.talking_points.toPlainText()),
            keywords_mention=split_commas(self.keywords_mention.text()),
            keywords_avoid=split_commas(self.keywords_avoid.text()),
            tags=split_commas(self.tags.text()),
            difficulty=self.difficulty.currentData(),
            prep_seconds=self.prep_seconds.value(),
            max_answer_seconds=self.max_answer_seconds.value(),
            allowed_attempts=self.allowed_attempts.value(),
            rubric_key=self._rubric_key(),
            criteria=criteria,
            id=self.draft_id,
        )

    # --- criteria ---------------------------------------------------------------------------

    def _rubric_chosen(self) -> None:
        if self._loading:
            return
        key = self.rubric.currentData()
        if key == NEW_RUBRIC:
            self._set_criteria([])
        else:
            with self.state.ctx.session() as s:
                self._set_criteria(rubric_criteria(s, key))
        self._changed("criteria")

    def add_criterion(self) -> None:
        n = self.criteria.rowCount() + 1
        self._append_criterion(f"criterion-{n}", "", "", "1", "5")
        self.criteria.setCurrentCell(n - 1, 1)
        self.criteria.editItem(self.criteria.item(n - 1, 1))
        self._changed("criteria")

    def remove_criterion(self) -> None:
        row = self.criteria.currentRow()
        if row >= 0:
            self.criteria.removeRow(row)
            self._changed("criteria")

    # --- validation and saving --------------------------------------------------------------

    def _changed(self, field: str) -> None:
        if self._loading:
            return
        self._touched.add(field)
        self._validate_timer.start()

    def validate(self) -> list[FieldError]:
        """Check the draft and show each problem under its field; returns the problems."""
        self._validate_timer.stop()
        with self.state.ctx.session() as s:
            problems = validate_draft(s, self.draft())
        self.show_problems(problems)
        return problems

    def show_problems(self, problems: list[FieldError]) -> None:
        by_field: dict[str, list[str]] = {}
        for p in problems:
            by_field.setdefault(p.field, []).append(p.message)
        for name, label in self.errors.items():
            shown = self._show_all or name in self._touched
            message = "\n".join(by_field.get(name, [])) if shown else ""
            label.show_message(message)
            widget = self.inputs[name]
            widget.setProperty("invalid", bool(message))
            widget.style().unpolish(widget)
            widget.style().polish(widget)
        if self._show_all and problems:
            self.summary.show_message(
                f"{len(problems)} thing{'s' if len(problems) != 1 else ''} to fix before saving; "
                "see the messages under the fields."
            )
        else:
            self.summary.show_message("")

    def save(self) -> None:
        self._show_all = True
        problems = self.validate()
        if problems:
            self._focus(problems[0].field)
            return
        try:
            with self.state.ctx.session() as s:
                self.saved = save_scenario(
                    s, self.draft(), self.state.ctx.profile(), self.state.ctx.paths.media
                )
        except DraftInvalid as err:
            self.show_problems(err.errors)
            self._focus(err.errors[0].field)
            return
        except UserError as err:
            show_error(self, err)
            return
        self.accept()

    def _focus(self, field: str) -> None:
        widget = self.inputs.get(field)
        if widget is not None:
            self.scroll.ensureWidgetVisible(widget)
            widget.setFocus()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _changed_signal(widget: QWidget):
    if isinstance(widget, QLineEdit):
        return widget.textEdited
    if isinstance(widget, QPlainTextEdit):
        return widget.textChanged
    if isinstance(widget, QComboBox):
        return widget.currentIndexChanged
    if isinstance(widget, QSpinBox):
        return widget.valueChanged
    if isinstance(widget, QTableWidget):
        return widget.itemChanged
    raise TypeError(f"no change signal known for {type(widget).__name__}")
