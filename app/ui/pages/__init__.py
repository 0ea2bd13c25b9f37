"""The pages of the main window.

A page is a :class:`app.ui.pages.base.Page` built from an
:class:`app.ui.state.AppState` and described by a ``PAGE = PageSpec(...)``
in its module; adding it to ``PAGES`` in :mod:`app.ui.main_window` puts it in
the navigation (its place there gives it its Ctrl+number shortcut).
"""
