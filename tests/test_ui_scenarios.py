"""The Scenarios page driven through its real widgets: search, read, edit, import, export."""

from __future__ import annotations

import zipfile

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from app.scenarios.library import get_scenario, search_scenarios
from app.scenarios.pack import read_pack
from app.ui import file_dialogs, scenario_packs
from app.ui.main_window import MainWindow
from app.ui.scenario_editor import ScenarioEditor
from app.ui.state import AppState


@pytest.fixture
def open_page(ctx, make_profile, qtbot, qapp):
    """The main window on the Scenarios page, acting as a new profile of ``role``."""

    def make(role: str = "trainer"):
        state = AppState(ctx)
        state.apply_theme()
        state.use_profile(make_profile(f"Someone {role}", role))
        window = MainWindow(state)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.show_page("scenarios")
        return window.pages["scenarios"]

    return make


@pytest.fixture
def messages(monkeypatch):
    """Message boxes and confirmations are recorded instead of waiting for a click."""
    seen: list[str] = []

    def fake_exec(box):
        seen.append(f"{box.text()} {box.informativeText()}")
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    monkeypatch.setattr(scenario_packs, "inform", lambda _parent, text: seen.append(text))
    return seen


def all_rows(ctx):
    with ctx.session() as s:
        return search_scenarios(s)


def test_typing_in_the_search_box_filters_the_table(open_page, ctx, qtbot):
    page = open_page()
    total = len(all_rows(ctx))
    assert total >= 7 and page.model.rowCount() == total
    word = all_rows(ctx)[0].cross_sell.split()[0]
    with ctx.session() as s:
        expected = [r.id for r in search_scenarios(s, word)]
    qtbot.keyClicks(page.search, word)
    qtbot.waitUntil(lambda: page.model.rowCount() == len(expected))
    assert [page.model.row(n).id for n in range(page.model.rowCount())] == expected
    assert len(expected) < total
    assert page.count.text() == f"{len(expected)} scenario{'s' if len(expected) != 1 else ''}"
    page.search.clear()
    qtbot.waitUntil(lambda: page.model.rowCount() == total)


def test_a_search_without_matches_says_so(open_page, qtbot):
    page = open_page()
    qtbot.keyClicks(page.search, "zzqx-no-such-words")
    qtbot.waitUntil(lambda: page.model.rowCount() == 0)
    assert page.count.text() == "0 scenarios"
    assert page.detail.currentWidget() is page.detail.empty


def test_the_product_filter_keeps_scenarios_with_that_product(open_page, ctx):
    page = open_page()
    page.product.setCurrentIndex(1)
    key = page.product.currentData()
    with ctx.session() as s:
        expected = [r.id for r in search_scenarios(s, product_key=key)]
    assert expected and [page.model.row(n).id for n in range(page.model.rowCount())] == expected


def test_selecting_a_scenario_shows_it_with_its_rubric(open_page, ctx):
    page = open_page()
    assert page.detail.currentWidget() is page.detail.empty
    page.select_row(0)
    with ctx.session() as s:
        detail = get_scenario(s, page.model.row(0).id, ctx.paths.media)
    text = page.detail.browser.toPlainText()
    assert page.detail.currentWidget() is page.detail.browser
    assert detail.title in text and detail.situation in text
    assert f"Rubric: {detail.rubric_name}" in text
    assert detail.criteria and all(c.name in text for c in detail.criteria)
    assert all(point in text for point in detail.talking_points)


def drive_editor(qtbot, steps):
    """Run ``steps(editor)`` on the editor once it is open; always closes it."""
    outcome = {}

    def run():
        editor = QApplication.activeModalWidget()
        try:
            assert isinstance(editor, ScenarioEditor)
            steps(editor, outcome)
        except BaseException as exc:  # reported after exec returns
            outcome["error"] = exc
        finally:
            if editor is not None and editor.isVisible():
                editor.reject()

    QTimer.singleShot(0, run)
    return outcome


def test_editing_shows_the_problem_under_the_field_then_saves(open_page, ctx, qtbot):
    page = open_page()
    page.select_row(0)
    original = page.selected_detail()

    def steps(editor, out):
        title_error = editor.errors["title"]
        assert not title_error.isVisible()
        editor.title.selectAll()
        qtbot.keyClick(editor.title, Qt.Key.Key_Delete)
        qtbot.waitUntil(title_error.isVisible)
        out["message"] = title_error.text()
        # the message sits right under the title field, in the same column
        out["under"] = (
            title_error.mapTo(editor, title_error.rect().topLeft()).y()
            > editor.title.mapTo(editor, editor.title.rect().topLeft()).y()
            and title_error.parentWidget() is editor.title.parentWidget()
        )
        out["marked"] = editor.title.property("invalid")
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)  # refused
        out["still_open"] = editor.isVisible()
        qtbot.keyClicks(editor.title, "Headset for clearer calls")
        qtbot.waitUntil(lambda: not title_error.isVisible())
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        out["accepted"] = editor.result() == ScenarioEditor.DialogCode.Accepted

    outcome = drive_editor(qtbot, steps)
    page.edit_action.trigger()
    assert "error" not in outcome, outcome.get("error")
    assert outcome["message"] == "Give the scenario a title."
    assert outcome["under"] and outcome["marked"]
    assert outcome["still_open"] and outcome["accepted"]
    with ctx.session() as s:
        saved = get_scenario(s, original.id, ctx.paths.media)
    assert saved.title == "Headset for clearer calls"
    assert saved.situation == original.situation and saved.criteria == original.criteria
    assert page.selected_detail().title == "Headset for clearer calls"
    assert "Headset for clearer calls" in page.detail.browser.toPlainText()


def test_a_refused_save_changes_nothing(open_page, ctx, qtbot):
    page = open_page()
    page.select_row(0)
    original = page.selected_detail()

    def steps(editor, out):
        editor.talking_points.clear()
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        out["error"] = None
        out["points"] = editor.errors["talking_points"].text()
        out["summary"] = editor.summary.text()
        out["open"] = editor.isVisible()

    outcome = drive_editor(qtbot, steps)
    page.edit_action.trigger()
    assert outcome["open"] and "Add at least 1 of talking points" in outcome["points"]
    assert "to fix before saving" in outcome["summary"]
    with ctx.session() as s:
        assert get_scenario(s, original.id, ctx.paths.media) == original


def test_a_new_scenario_with_a_new_rubric(open_page, ctx, qtbot):
    page = open_page()

    def steps(editor, out):
        qtbot.keyClicks(editor.title, "Laptop buyer asks about a bag")
        qtbot.keyClicks(editor.situation, "A student buys a laptop for university.")
        qtbot.keyClicks(editor.customer_line, "Will it fit in my backpack?")
        editor.product.setCurrentIndex(0)
        editor.cross_sell.setCurrentIndex(1)
        qtbot.keyClicks(editor.talking_points, "Protects the laptop on the way")
        editor.rubric.setCurrentIndex(editor.rubric.count() - 1)  # a new rubric
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        out["criteria_error"] = editor.errors["criteria"].text()
        editor.add_criterion()
        editor.criteria.item(0, 1).setText("Names the benefit")
        editor.criteria.item(0, 3).setText("heavy")
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        out["weight_error"] = editor.errors["criteria"].text()
        editor.criteria.item(0, 3).setText("2")
        qtbot.mouseClick(editor.save_button, Qt.MouseButton.LeftButton)
        out["saved"] = editor.saved

    outcome = drive_editor(qtbot, steps)
    page.new_action.trigger()
    assert outcome.get("error") is None
    assert "at least one criterion" in outcome["criteria_error"]
    assert "Criterion 1: The weight must be a number" in outcome["weight_error"]
    saved = outcome["saved"]
    assert saved is not None and saved.key == "laptop-buyer-asks-about-a-bag"
    assert [(c.name, c.weight) for c in saved.criteria] == [("Names the benefit", 2.0)]
    assert page.selected_detail().id == saved.id


PACK = """\
format: crosscoach-pack
version: 1
pack:
  key: field-extras
  name: Field extras
  version: 1
products:
  - {key: camera-x, name: Trail camera}
  - {key: sd-card, name: Memory card}
cross_sells:
  - {from: camera-x, to: sd-card, why: The camera ships without storage.}
rubrics:
  - key: quick
    name: Quick check
    criteria:
      - {key: ask, name: Asks about use, weight: 1, max_score: 5}
scenarios:
  - key: trail-camera-card
    title: Trail camera without a memory card
    situation: A hunter buys a trail camera for the weekend.
    customer_line: Is that everything I need?
    product: camera-x
    cross_sell: sd-card
    talking_points: [The camera records nothing without a card]
    rubric: quick
"""


def test_importing_a_pack_through_the_file_dialog(
    open_page, ctx, qtbot, tmp_path, monkeypatch, messages
):
    page = open_page()
    before = page.model.rowCount()
    folder = tmp_path / "extras"
    folder.mkdir()
    (folder / "pack.yaml").write_text(PACK, encoding="utf-8")
    asked = []
    monkeypatch.setattr(
        file_dialogs, "ask_open_path", lambda *a: asked.append(a[1]) or folder / "pack.yaml"
    )
    page.import_action.trigger()
    qtbot.waitUntil(lambda: page.model.rowCount() == before + 1, timeout=10000)
    assert asked == ["Import a scenario pack"]
    assert any("Imported Field extras" in m and "1 new" in m for m in messages)
    titles = [page.model.row(n).title for n in range(page.model.rowCount())]
    assert "Trail camera without a memory card" in titles
    assert page.product.findText("Trail camera") > 0


def test_a_broken_pack_is_explained_and_imports_nothing(
    open_page, ctx, qtbot, tmp_path, monkeypatch, messages
):
    page = open_page()
    before = all_rows(ctx)
    bad = tmp_path / "bad" / "pack.yaml"
    bad.parent.mkdir()
    bad.write_text(PACK.replace("weight: 1", "weight: lots"), encoding="utf-8")
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *a: bad)
    page.import_action.trigger()
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert "nothing was imported" in messages[0] and "weight" in messages[0]
    assert "What to do:" in messages[0]
    assert all_rows(ctx) == before


def test_cancelling_the_file_dialog_does_nothing(open_page, monkeypatch, messages):
    page = open_page()
    monkeypatch.setattr(file_dialogs, "ask_open_path", lambda *a: None)
    page.import_action.trigger()
    assert messages == []


def test_exporting_the_selected_scenario(open_page, qtbot, tmp_path, monkeypatch, messages):
    page = open_page()
    page.select_row(0)
    chosen = page.selected_detail()
    target = tmp_path / "one"
    monkeypatch.setattr(file_dialogs, "ask_save_path", lambda *a: target)
    page.export_action.trigger()  # with a selection: the selected scenario
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    exported = tmp_path / "one.zip"
    assert zipfile.is_zipfile(exported)
    assert messages == [f"Exported 1 scenario to {exported}."]
    pack = read_pack(exported)
    assert [sc.values.key for sc in pack.scenarios] == [chosen.key]
    pack.source.close()


def test_exporting_over_an_existing_file_is_refused(
    open_page, qtbot, tmp_path, monkeypatch, messages
):
    page = open_page()
    target = tmp_path / "all.zip"
    target.write_bytes(b"keep me")
    monkeypatch.setattr(file_dialogs, "ask_save_path", lambda *a: target)
    page.export_all_action.trigger()
    qtbot.waitUntil(lambda: bool(messages), timeout=10000)
    assert "does not overwrite" in messages[0]
    assert target.read_bytes() == b"keep me"


def test_a_rep_can_read_but_not_change_the_library(open_page, ctx, qtbot):
    page = open_page("rep")
    page.select_row(0)
    assert page.detail.currentWidget() is page.detail.browser
    for action, what in (
        (page.new_action, "create scenarios"),
        (page.edit_action, "edit scenarios"),
        (page.import_action, "import scenario packs"),
    ):
        assert not action.isEnabled()
        assert action.toolTip() == f"Only trainers and managers can {what}."
    assert not page.new_button.isEnabled() and not page.import_button.isEnabled()
    assert page.export_selected_action.isEnabled()
    page.edit_selected()  # double-click on a row: nothing opens
    assert QApplication.activeModalWidget() is None


def test_ctrl_f_from_another_page_focuses_the_search(open_page, qtbot):
    page = open_page()
    window = page.window()
    window.show_page("settings")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.current_page() == "scenarios"
    qtbot.waitUntil(page.search.hasFocus)
