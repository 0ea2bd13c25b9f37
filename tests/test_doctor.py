# ruff: noqa: F811  (the fixtures imported from recorder_support are parameters here)
"""``crosscoach doctor``: plain-words checks, exit code 0 only when recording can work."""

from __future__ import annotations

import json

from alembic import command
from recorder_support import small_disk  # noqa: F401  (fixture)

from app.bootstrap import open_context
from app.core import migrate
from app.recorder.checkup import run_checks


def by_name(report: dict) -> dict:
    return {c["name"]: c for c in report["checks"]}


def test_the_test_source_can_record_here(cli, monkeypatch):
    monkeypatch.delenv("CROSSCOACH_FFMPEG", raising=False)
    code, out, err = cli("doctor", "--source", "test", "--json")
    assert code == 0, err
    report = json.loads(out)
    checks = by_name(report)
    assert report["ready"] is True and all(c["ok"] for c in checks.values())
    ffmpeg = checks["ffmpeg"]["details"]
    assert ffmpeg["path"] and ffmpeg["version"] and "lavfi" in ffmpeg["capture_formats"]
    assert checks["devices"]["details"] == {"cameras": [], "microphones": []}
    db = checks["database"]["details"]
    assert db["revision"] == db["head"] == migrate.head_revision()
    assert checks["disk"]["details"]["free_bytes"] > 0
    assert "test pattern and tone" in checks["source"]["summary"]


def test_with_the_camera_as_source_and_no_camera_it_says_what_is_missing(cli, monkeypatch):
    monkeypatch.delenv("CROSSCOACH_SOURCE", raising=False)  # the default source: device
    code, out, _ = cli("doctor")
    assert code == 1
    assert "[PROBLEM] source" in out and "No camera and no microphone were found" in out
    assert "What to do:" in out and "--source test" in out
    assert "Recording cannot work yet" in out
    monkeypatch.setenv("CROSSCOACH_SOURCE", "test")
    code, out, _ = cli("doctor")
    assert code == 0 and out.rstrip().endswith("Recording can work.")


def test_no_ffmpeg_is_a_problem(cli, monkeypatch):
    monkeypatch.setenv("CROSSCOACH_FFMPEG", "/nonexistent")
    code, out, _ = cli("doctor", "--source", "test", "--json")
    assert code == 1
    ffmpeg = by_name(json.loads(out))["ffmpeg"]
    assert not ffmpeg["ok"] and "ffmpeg is missing" in ffmpeg["summary"]
    assert "CROSSCOACH_FFMPEG" in ffmpeg["fix"]


def test_an_old_schema_and_a_nearly_full_disk_are_problems(small_disk, monkeypatch):
    monkeypatch.delenv("CROSSCOACH_FFMPEG", raising=False)
    disk = small_disk(12)
    ctx = open_context(disk / "data")
    try:
        command.stamp(migrate.alembic_config(ctx.db.engine), "0001")
        checks = {c.name: c for c in run_checks(ctx, "test")}
        assert not checks["database"].ok and "not the current" in checks["database"].summary
        assert "upgrade" in checks["database"].fix
        assert not checks["disk"].ok and checks["disk"].summary.startswith("Too little space")
        assert checks["source"].ok and checks["ffmpeg"].ok
    finally:
        ctx.close()
