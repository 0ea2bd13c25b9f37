# ruff: noqa: F811  (the fixtures imported from review_support are parameters here)
"""Saving a review makes a sync soon: the review screen's real widgets, a real shared folder."""

from __future__ import annotations

from PySide6.QtCore import Qt
from review_support import coaching, review_video  # noqa: F401  (fixtures)

from app.ui.review.review_page import ReviewPage
from app.ui.state import AppState


def test_a_comment_saved_on_the_review_screen_reaches_the_share_with_one_sync_soon(
    qtbot, coaching, tmp_path
):
    c = coaching
    share = tmp_path / "share"
    share.mkdir()
    c.ctx.settings.set("remote", f"folder:{share}")
    c.submit(c.ana)
    state = AppState(c.ctx)
    state.use_profile(c.tom)
    state.sync.after_change.setInterval(100)
    runs = []
    state.sync.synced.connect(runs.append)
    page = ReviewPage(state)
    qtbot.addWidget(page)
    page.resize(1300, 800)
    page.show()
    qtbot.waitExposed(page)
    page.activateWindow()
    qtbot.waitUntil(page.isActiveWindow, timeout=3000)
    try:
        qtbot.waitUntil(lambda: not state.sync.running, timeout=10000)
        page.queue.table.setFocus()
        with qtbot.waitSignal(page.screen.player.first_frame, timeout=10000):
            qtbot.keyClick(page.queue.table, Qt.Key.Key_Return)
        screen = page.screen
        screen.player.pause()
        for words in ("Say the card's yearly fee", "Good pause before the offer"):
            qtbot.mouseClick(screen.add_comment_button, Qt.MouseButton.LeftButton)
            qtbot.keyClicks(screen.composer.text, words)
            qtbot.keyClick(screen.composer.text, Qt.Key.Key_Return)
            assert not screen.composer.isVisible()  # saved

        qtbot.waitUntil(lambda: len(runs) == 1, timeout=20000)
        qtbot.wait(400)
        assert len(runs) == 1  # two saves close together, one sync
        assert runs[0].records_up > 0
        shared = "".join(p.read_text() for p in (share / "devices").rglob("*.json"))
        assert "Say the card's yearly fee" in shared
        assert "Good pause before the offer" in shared
    finally:
        state.sync.shutdown()
