"""Joining a team from the first start, through the real windows: a rep joins the team
database with his own login, records, submits and answers a Top Video request, all in
the GUI, while his trainer works on her own device; people join a shared folder and
pick themselves or are new; bad logins and missing folders are refused in plain words;
a manager adds a team member from Settings → Sync."""

from __future__ import annotations

import uuid

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select, text
from sync_support import Office, admin_engine
from test_ui_practice import open_from_list, record

from app.bootstrap import open_context
from app.core.models import Consent, Decision, Submission, TopVideo
from app.core.profiles import find_profile, list_profiles
from app.review.decisions import decide
from app.review.scoring import score_submission
from app.review.top_videos import mark_top
from app.scenarios.rubrics import scenario_criteria
from app.sync.changes import canonical_dump
from app.sync.onboarding import join_team
from app.sync.postgres import add_member
from app.sync.service import SyncService
from app.ui.first_start import FirstStartDialog
from app.ui.main_window import MainWindow
from app.ui.practice import dialogs as practice_dialogs
from app.ui.practice.submit_dialog import SubmitChoice
from app.ui.state import AppState
from app.ui.sync import forms
from app.ui.sync.settings_section import SyncSection

WAIT_MS = 60_000  # a shared, busy machine: generous, never asserted as a time


@pytest.fixture
def fresh_app(tmp_path, qtbot, qapp):
    """``fresh_app("rob")``: a new data folder's first start (the dialog, shown)."""
    opened: list[AppState] = []

    def start(name: str) -> FirstStartDialog:
        ctx = open_context(tmp_path / name)
        state = AppState(ctx)
        state.apply_theme()
        opened.append(state)
        dialog = FirstStartDialog(state)
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        return dialog

    yield start
    for state in opened:
        state.sync.shutdown()
        state.ctx.close()


def join(qtbot, first: FirstStartDialog, fill) -> None:
    """Click "Join my team…", fill the form (``fill(form)``), click "Join the team"."""
    qtbot.mouseClick(first.join_button, Qt.MouseButton.LeftButton)
    dialog = first.join_dialog
    assert dialog.isVisible() and dialog.isModal()
    fill(dialog.form)
    qtbot.mouseClick(dialog.join_button, Qt.MouseButton.LeftButton)
    assert not dialog.join_button.isEnabled()  # one join at a time


def joined(qtbot, first: FirstStartDialog) -> None:
    qtbot.waitUntil(lambda: not first.join_dialog.isVisible(), timeout=WAIT_MS)
    assert first.join_dialog.team is not None


def database_form(host: str, database: str, login: str):
    def fill(form: forms.RemoteForm) -> None:
        form.mode.setCurrentIndex(form.mode.findData("postgres"))
        type_into(form.host, host)
        type_into(form.database, database)
        type_into(form.user, login)
        assert form.port.value() == 5432

    return fill


def folder_form(folder):
    def fill(form: forms.RemoteForm) -> None:
        assert form.mode.currentData() == "folder"  # no "keep it to myself" when joining
        type_into(form.folder, str(folder))

    return fill


def type_into(edit, text_: str) -> None:
    """Type into a line edit as keystrokes would (textEdited and all)."""
    edit.setFocus()
    edit.clear()
    edit.insert(text_)


def roster(first: FirstStartDialog) -> list[str]:
    return [first.existing.item(n).text() for n in range(first.existing.count())]


def gui_sync(qtbot, window: MainWindow, key: bool = False):
    """Sync now (F5 or the indicator's action) and wait for the report."""
    reports = []
    window.state.sync.synced.connect(reports.append)
    window.state.sync.failed.connect(lambda err: reports.append(err))
    if key:
        window.activateWindow()
        qtbot.waitUntil(window.isActiveWindow)
        qtbot.keyClick(window, Qt.Key.Key_F5)
    else:
        window.sync_status.sync_now_action.trigger()
    qtbot.waitUntil(lambda: bool(reports) and not window.state.sync.running, timeout=WAIT_MS)
    report = reports[-1]
    assert not isinstance(report, Exception), report
    assert "set aside" not in window.sync_status.text()
    return report


def dump(state: AppState) -> dict:
    with state.ctx.db.session() as s:
        return canonical_dump(s)


# --- database mode: the rep's whole flow, in the GUI ----------------------------------------


@pytest.mark.postgres
@pytest.mark.slow
def test_a_rep_joins_the_team_database_and_his_take_comes_back_as_a_top_video(
    empty_pg, make_device, tmp_path, qtbot, fresh_app, monkeypatch
):
    office = Office("postgres", make_device, tmp_path, empty_pg)
    mia_laptop = office.device("mia-laptop", "Mia")
    mia = office.add(mia_laptop, "Mia", "manager")
    tina = office.add(mia_laptop, "Tina", "trainer", by=mia)
    rob = office.add(mia_laptop, "Rob", "rep", by=mia, team="North")
    assert not mia_laptop.sync().set_aside
    tina_laptop = office.device("tina-laptop", "Tina")
    assert not tina_laptop.sync().set_aside

    # Rob's first start: join with his login (trust auth here, so no password).
    first = fresh_app("rob")
    login = f"{office.database}_rob"
    join(qtbot, first, database_form("127.0.0.1", office.database, login))
    joined(qtbot, first)
    assert roster(first) == ["Mia (manager)", "Rob (rep, North)", "Tina (trainer)"]
    assert first.existing.currentItem().text() == "Rob (rep, North)"  # the login names him
    assert first.use_existing.text() == "Continue as Rob" and first.use_existing.isDefault()
    assert not first.new_group.isVisible() and not first.join_button.isEnabled()
    qtbot.mouseClick(first.use_existing, Qt.MouseButton.LeftButton)
    assert first.result() == FirstStartDialog.DialogCode.Accepted
    state = first.state
    assert state.profile.id == rob
    assert state.ctx.settings.get("remote") == (
        f"postgresql://{login}@127.0.0.1:5432/{office.database}"
    )

    # The main window: record with the test source, submit, Sync now (F5).
    state.ctx.settings.set("recording_source", "test")
    window = MainWindow(state)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.show_page("practice")
    practice = window.pages["practice"]
    monkeypatch.setattr(
        practice_dialogs,
        "ask_submit",
        lambda _parent, _label, _duration, _findings, criteria: SubmitChoice(
            "My first try.", {c.key: c.max_score - 1 for c in criteria}
        ),
    )
    window.activateWindow()  # the player's keys (Space) work in the active window
    qtbot.waitUntil(window.isActiveWindow)
    try:
        open_from_list(practice, qtbot, state.ctx)
        record(practice, qtbot, seconds=1.0)
        qtbot.mouseClick(practice.replay.submit_button, Qt.MouseButton.LeftButton)
        qtbot.waitUntil(lambda: "Submitted" in practice.replay.status.text(), timeout=WAIT_MS)
    finally:
        practice.controller.shutdown()
    with state.ctx.session() as s:
        sub = s.scalars(select(Submission)).one()
    report = gui_sync(qtbot, window, key=True)
    assert (
        not report.set_aside and report.records_up == 1 and report.media_up == 1
    )  # the submission

    # Tina, on her own device with her own login: score, approve, mark a Top Video.
    assert not tina_laptop.sync().set_aside
    with tina_laptop.session(tina) as s:
        me = find_profile(s, tina)
        scores = {c.key: c.max_score for c in scenario_criteria(s, sub.scenario_id)}
        score_submission(s, me, sub.id, scores, "A clear offer.")
        decide(s, me, sub.id, Decision.APPROVE)
        mark_top(s, me, sub.id, "Listen to how he names the price.")
    assert not tina_laptop.sync().set_aside

    # Rob syncs and answers the request on the Top Videos page.
    assert not gui_sync(qtbot, window).set_aside
    assert window.show_page("top_videos")
    top = window.pages["top_videos"]
    qtbot.waitUntil(lambda: top.banner.isVisible() and top.loading is None, timeout=WAIT_MS)
    banner_text = top.banner.findChild(type(top.reason), "consentText").text()
    assert banner_text.startswith("Tina would like to share your video")
    share = top.banner.findChild(type(practice.replay.submit_button), "grantConsent")
    qtbot.mouseClick(share, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: top.gallery.count() == 1 and top.loading is None, timeout=WAIT_MS)
    assert not gui_sync(qtbot, window).set_aside
    assert not tina_laptop.sync().set_aside

    with tina_laptop.session() as s:
        assert s.scalar(select(TopVideo.consent)) is Consent.GRANTED
    assert dump(state) == tina_laptop.dump()
    window.close()


# --- shared folder: pick yourself, or be new ------------------------------------------------


def test_joining_a_shared_folder_lists_the_team_and_a_new_person_makes_their_profile(
    make_device, tmp_path, qtbot, fresh_app
):
    office = Office("folder", make_device, tmp_path)
    tina_laptop = office.device("tina-laptop", "Tina")
    tina = office.add(tina_laptop, "Tina", "trainer")
    rob = office.add(tina_laptop, "Rob", "rep", by=tina, team="North")
    assert not tina_laptop.sync().set_aside

    # Rob on a new computer: joins, finds himself in the team, continues as himself.
    first = fresh_app("rob")
    join(qtbot, first, folder_form(office.share))
    joined(qtbot, first)
    assert roster(first) == ["Rob (rep, North)", "Tina (trainer)"]
    assert first.existing_group.title() == "Pick yourself from your team"
    assert first.new_group.isVisible() and first.new_group.title() == "I am new here"
    assert first.focusWidget() is first.existing  # the keyboard goes on from the list
    first.existing.setCurrentRow(0)
    qtbot.keyClick(first.existing, Qt.Key.Key_Return)  # Enter picks the person
    assert first.result() == FirstStartDialog.DialogCode.Accepted
    assert first.state.profile.id == rob
    assert first.state.ctx.settings.get("remote") == f"folder:{office.share.resolve()}"

    # Nina is new: she joins with the keyboard alone, then makes her own rep profile
    # under "I am new here".
    first = fresh_app("nina")
    first.join_button.setFocus()
    qtbot.keyClick(first.join_button, Qt.Key.Key_Space)
    dialog = first.join_dialog
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.focusWidget() is dialog.form.mode
    qtbot.keyClick(dialog.form.mode, Qt.Key.Key_Tab)
    assert dialog.focusWidget() is dialog.form.folder
    qtbot.keyClicks(dialog.form.folder, str(office.share))
    qtbot.keyClick(dialog.form.folder, Qt.Key.Key_Return)  # Enter joins
    joined(qtbot, first)
    assert "Nina" not in " ".join(roster(first))
    qtbot.keyClicks(first.form.name, "Nina")
    assert first.form.role.currentData() == "rep"
    qtbot.keyClick(first.form.name, Qt.Key.Key_Return)  # Enter creates the profile
    assert first.result() == FirstStartDialog.DialogCode.Accepted
    state = first.state
    assert state.profile.name == "Nina"
    report = SyncService(state.ctx.db, state.ctx.settings).sync()
    assert report.set_aside == [] and report.records_up >= 1
    assert not tina_laptop.sync().set_aside
    assert "Nina" in {p.name for p in list_profiles_of(tina_laptop)}
    assert dump(state) == tina_laptop.dump()


def list_profiles_of(device) -> list:
    with device.session() as s:
        return list_profiles(s)


def test_a_shared_folder_that_is_not_there_is_refused_and_not_made(
    tmp_path, qtbot, fresh_app, shown_errors
):
    first = fresh_app("rob")
    missing = tmp_path / "drive-not-connected" / "team"
    join(qtbot, first, folder_form(missing))
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=WAIT_MS)
    message, hint = shown_errors.pop()
    assert message == f"The shared folder {missing} is not reachable."
    assert hint.startswith("What to do: Connect the drive")
    assert not missing.exists() and not missing.parent.exists()
    dialog = first.join_dialog
    qtbot.waitUntil(dialog.join_button.isEnabled)  # the form is there to correct
    assert dialog.isVisible() and dialog.form.folder.text() == str(missing)
    assert first.state.ctx.settings.get("remote") is None


@pytest.mark.postgres
def test_a_login_that_is_no_member_is_told_so_and_the_first_start_stays_usable(
    empty_pg, tmp_path, qtbot, fresh_app, shown_errors
):
    database = empty_pg.rsplit("/", 1)[1]
    stranger = f"{database}_stranger"
    add_member(empty_pg, stranger, str(uuid.uuid4()), "rep")  # a login ...
    admin = admin_engine(empty_pg)
    with admin.begin() as c:  # ... that acts as no one any more
        c.execute(text("DELETE FROM crosscoach.members WHERE login = :l"), {"l": stranger})
    admin.dispose()

    first = fresh_app("stranger")
    join(qtbot, first, database_form("127.0.0.1", database, stranger))
    qtbot.waitUntil(lambda: bool(shown_errors), timeout=WAIT_MS)
    assert shown_errors.pop() == (
        "This login is not a member of the team yet.",
        "What to do: Ask your manager to add you to the team database, then try again.",
    )
    dialog = first.join_dialog
    qtbot.waitUntil(dialog.join_button.isEnabled)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)
    assert not dialog.isVisible() and dialog.team is None
    assert first.state.ctx.settings.get("remote") is None
    assert first.join_button.isEnabled() and first.existing.count() == 0

    # The first start still works: make a profile and start.
    qtbot.keyClicks(first.form.name, "Sam")
    qtbot.mouseClick(first.create_button, Qt.MouseButton.LeftButton)
    assert first.result() == FirstStartDialog.DialogCode.Accepted
    assert first.state.profile.name == "Sam"


# --- Settings → Sync → "Add a team member…" ----------------------------------------------------


def settings_sync_section(window: MainWindow) -> SyncSection:
    window.show_page("settings")
    return window.pages["settings"].section(SyncSection)


@pytest.mark.postgres
def test_a_manager_adds_a_member_who_then_joins_as_themself(
    empty_pg, make_device, tmp_path, qtbot, shown_errors
):
    office = Office("postgres", make_device, tmp_path, empty_pg)
    mia_laptop = office.device("mia-laptop", "Mia")
    mia = office.add(mia_laptop, "Mia", "manager")
    rob = office.add(mia_laptop, "Rob", "rep", by=mia)
    assert not mia_laptop.sync().set_aside
    state = AppState(mia_laptop.ctx)
    with mia_laptop.session() as s:
        state.use_profile(find_profile(s, mia))
    window = MainWindow(state)
    qtbot.addWidget(window)
    window.show()
    try:
        section = settings_sync_section(window)
        assert section.members_button.isVisible()

        with mia_laptop.session() as s:  # a rep on this computer does not see it
            state.use_profile(find_profile(s, rob))
        assert not section.members_button.isVisible()
        with mia_laptop.session() as s:
            state.use_profile(find_profile(s, mia))
        assert section.members_button.isVisible()

        qtbot.mouseClick(section.members_button, Qt.MouseButton.LeftButton)
        dialog = section.member_dialog
        assert dialog.isVisible()
        assert dialog.person.currentData() == "new"  # the usual case comes first
        assert dialog.name.isEnabled() and dialog.focusWidget() is dialog.name
        qtbot.keyClicks(dialog.name, "Nora Lind")
        assert dialog.login.text() == "nora_lind"  # suggested from the name
        dialog.role.setCurrentIndex(dialog.role.findData("trainer"))
        login = f"{office.database}_nora"
        dialog.login.setText(login)

        # A wrong administrator: a plain refusal, and trying again makes nobody twice.
        qtbot.keyClicks(dialog.admin_user, f"{office.database}_rob")
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)  # fmt: skip
        qtbot.waitUntil(lambda: bool(shown_errors), timeout=WAIT_MS)
        assert "Traceback" not in " ".join(shown_errors.pop())
        qtbot.waitUntil(dialog.buttons.isEnabled)
        assert dialog.person.currentText() == "Nora Lind (trainer)"
        assert dialog.login.text() == login

        dialog.admin_user.setText("postgres")
        qtbot.mouseClick(dialog.buttons.button(dialog.buttons.StandardButton.Ok),
                         Qt.MouseButton.LeftButton)  # fmt: skip
        qtbot.waitUntil(lambda: not dialog.isVisible(), timeout=WAIT_MS)
        assert shown_errors == []
        nora = dialog.added
        assert nora.name == "Nora Lind" and nora.role.value == "trainer"
        assert [p.name for p in list_profiles_of(mia_laptop)].count("Nora Lind") == 1
        assert section.result.text().startswith("Nora Lind can now sign in")
        admin = admin_engine(empty_pg)
        with admin.connect() as c:
            assert c.execute(
                text("SELECT person_id, role FROM crosscoach.members WHERE login = :l"),
                {"l": login},
            ).one() == (nora.id, "trainer")
        admin.dispose()

        assert not gui_sync(qtbot, window).set_aside
    finally:
        state.sync.shutdown()
        window.close()

    # Nora's own computer: her login names her.
    ctx = open_context(tmp_path / "nora")
    try:
        _connected, team = join_team(ctx, office.remote_for("Nora"))
        assert team.database and team.me is not None and team.me.id == nora.id
    finally:
        ctx.close()


def test_a_shared_folder_offers_no_add_member(tmp_path, qtbot, make_device):
    office = Office("folder", make_device, tmp_path)
    laptop = office.device("mia-laptop", "Mia")
    mia = office.add(laptop, "Mia", "manager")
    state = AppState(laptop.ctx)
    with laptop.session() as s:
        state.use_profile(find_profile(s, mia))
    window = MainWindow(state)
    qtbot.addWidget(window)
    window.show()
    try:
        assert not settings_sync_section(window).members_button.isVisible()
    finally:
        state.sync.shutdown()
        window.close()
