"""Every exporter (scores CSV, PDF report, scenario pack) writes only regular files.

An export writes a temporary file and renames it over the target, so exporting to
/dev/null, a folder, a named pipe or a link used to replace that thing. All three
share one check (app.core.files.export_target); these tests go through each of them.
"""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from app.core.errors import UserError
from app.review.export import write_scores_csv
from app.review.periods import ALL_TIME
from app.review.report import build_report, write_report_pdf
from app.scenarios.exporter import export_pack


def _csv(ctx, path: Path) -> None:
    write_scores_csv(path, [])


def _pdf(ctx, path: Path) -> None:
    with ctx.db.session() as s:
        report = build_report(s, "Ana", ALL_TIME)
    write_report_pdf(report, path)


def _pack(ctx, path: Path) -> None:
    with ctx.db.session() as s:
        export_pack(s, path, ctx.paths.media)


EXPORTERS = {"scores.csv": _csv, "report.pdf": _pdf, "pack.zip": _pack}


@pytest.fixture
def export(ctx, make_profile):
    make_profile("Ana", "rep")
    return ctx


def device(tmp: Path, name: str) -> Path:
    """A character device like /dev/null (the real one where this user cannot make one:
    then a wrong rename fails instead of replacing it)."""
    path = tmp / name
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        return Path("/dev/null")
    return path


def folder(tmp: Path, name: str) -> Path:
    (tmp / name).mkdir()
    (tmp / name / "keep.txt").write_text("mine")
    return tmp / name


def named_pipe(tmp: Path, name: str) -> Path:
    os.mkfifo(tmp / name)
    return tmp / name


def unix_socket(tmp: Path, name: str) -> Path:
    server = socket.socket(socket.AF_UNIX)
    server.bind(name)  # relative to tmp (the test's current folder): socket paths are short
    server.close()
    return tmp / name


def link_to_nothing(tmp: Path, name: str) -> Path:
    (tmp / name).symlink_to(tmp / "gone")
    return tmp / name


def link_to_a_folder(tmp: Path, name: str) -> Path:
    (tmp / name).symlink_to(folder(tmp, "elsewhere"))
    return tmp / name


def link_to_a_device(tmp: Path, name: str) -> Path:
    (tmp / name).symlink_to(device(tmp, "dev"))
    return tmp / name


def loop_of_links(tmp: Path, name: str) -> Path:
    (tmp / name).symlink_to(tmp / "other")
    (tmp / "other").symlink_to(tmp / name)
    return tmp / name


TARGETS = [
    (device, "is a device; CrossCoach writes exports only to ordinary files"),
    (folder, "is a folder; CrossCoach writes exports only to ordinary files"),
    (named_pipe, "is a named pipe"),
    (unix_socket, "is a socket"),
    (link_to_nothing, "which does not exist"),
    (link_to_a_folder, "which is a folder"),
    (link_to_a_device, "which is a device"),
    (loop_of_links, "loop of links"),
]


def _snapshot(tmp: Path) -> dict[str, tuple]:
    """What is in the folder: names, kinds, link targets and file contents."""
    seen = {}
    for path in sorted(tmp.rglob("*")):
        st = path.lstat()
        detail = os.readlink(path) if path.is_symlink() else None
        if stat.S_ISREG(st.st_mode):
            detail = path.read_bytes()
        seen[str(path.relative_to(tmp))] = (stat.S_IFMT(st.st_mode), detail)
    return seen


@pytest.mark.parametrize("name", EXPORTERS)
@pytest.mark.parametrize(("make", "words"), TARGETS, ids=[t[0].__name__ for t in TARGETS])
def test_an_export_onto_anything_but_a_regular_file_is_refused_and_changes_nothing(
    export, tmp_path, monkeypatch, name, make, words
):
    out = tmp_path / "out"  # beside the data folder, which the export reads
    out.mkdir()
    monkeypatch.chdir(out)
    target = make(out, name)
    before = _snapshot(out)
    kind = stat.S_IFMT(target.lstat().st_mode)

    with pytest.raises(UserError) as refused:
        EXPORTERS[name](export, target)

    assert words in refused.value.message
    assert str(target) in refused.value.message
    assert refused.value.hint.startswith(("Choose", "Add a file name"))
    assert stat.S_IFMT(target.lstat().st_mode) == kind
    assert _snapshot(out) == before  # no temporary file left behind either


def test_a_folder_gets_a_hint_with_a_file_name_in_it(export, tmp_path):
    with pytest.raises(UserError) as refused:
        write_scores_csv(folder(tmp_path, "reports"), [])
    assert (
        refused.value.hint
        == f"Add a file name to the folder, for example {tmp_path}/reports/scores.csv."
    )


@pytest.mark.parametrize("name", ["scores.csv", "report.pdf"])
def test_a_link_of_the_users_to_a_regular_file_is_written_through(export, tmp_path, name):
    """Decided: a link the user made to one of their files is followed; the file it names
    gets the new export (replaced whole, as a plain file would be) and the link stays."""
    real = tmp_path / "archive" / name
    real.parent.mkdir()
    real.write_bytes(b"last month")
    link = tmp_path / f"latest-{name}"
    link.symlink_to(real)

    EXPORTERS[name](export, link)

    assert link.is_symlink() and link.resolve() == real
    fresh = real.read_bytes()
    assert fresh != b"last month"
    assert fresh.startswith(b"\xef\xbb\xbfsubmission_id," if name.endswith("csv") else b"%PDF")
    assert sorted(p.name for p in real.parent.iterdir()) == [name]


def test_a_pack_export_never_writes_through_a_link_to_an_existing_file(export, tmp_path):
    real = tmp_path / "old.zip"
    real.write_bytes(b"precious")
    (tmp_path / "pack.zip").symlink_to(real)
    with pytest.raises(UserError, match="already exists; CrossCoach does not overwrite it"):
        _pack(export, tmp_path / "pack.zip")
    assert real.read_bytes() == b"precious"


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a link to another user")
@pytest.mark.parametrize("name", EXPORTERS)
def test_a_link_another_user_made_is_not_followed(export, tmp_path, name):
    """In a shared folder such as /tmp, someone else's link could point at your files."""
    mine = tmp_path / "mine.txt"
    mine.write_bytes(b"my own file")
    link = tmp_path / name
    link.symlink_to(mine)
    os.lchown(link, 65534, 65534)  # nobody
    with pytest.raises(UserError, match="a link that another user made"):
        EXPORTERS[name](export, link)
    assert mine.read_bytes() == b"my own file" and link.is_symlink()


def test_the_cli_refuses_a_device_for_the_scores_csv(cli, tmp_path):
    cli("profile", "create", "--name", "Tom", "--role", "trainer")
    target = device(tmp_path, "null")
    code, out, err = cli("--as", "Tom", "export", "scores", "--csv", str(target))
    assert (code, out) == (2, "")
    assert f"crosscoach: {target} is a device" in err and "What to do: Choose" in err
    assert stat.S_ISCHR(target.stat().st_mode)
