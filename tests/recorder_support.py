"""Helpers for the recorder tests: a rep with a scenario to record, a small filesystem.

Test modules import the fixtures they use from here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.core.models import Product, Rubric, Scenario


@dataclass(frozen=True)
class Stage:
    """Who records what: the acting rep and the scenario's id and key."""

    person_id: str
    scenario_id: str
    scenario_key: str


def add_scenario(ctx, key: str = "recorder-phone-headset") -> Scenario:
    with ctx.session() as s:
        phone = Product(key=f"{key}-phone", name="Phone")
        headset = Product(key=f"{key}-headset", name="Headset")
        rubric = Rubric(key=f"{key}-rubric", name="Basic")
        s.add_all([phone, headset, rubric])
        s.flush()
        scenario = Scenario(
            key=key,
            title="Phone buyer asks about sound",
            situation="A customer buys a phone and asks how calls will sound.",
            primary_product_id=phone.id,
            cross_sell_product_id=headset.id,
            rubric_id=rubric.id,
            max_answer_seconds=60,
        )
        s.add(scenario)
    return scenario


@pytest.fixture
def stage(ctx, make_profile, monkeypatch) -> Stage:
    """Ana, a rep, acting; a scenario to record; the test source by default."""
    monkeypatch.setenv("CROSSCOACH_PROFILE", "Ana")
    monkeypatch.setenv("CROSSCOACH_SOURCE", "test")
    monkeypatch.delenv("CROSSCOACH_FFMPEG", raising=False)
    ana = make_profile("Ana", "rep")
    ctx.use_profile(ana)
    scenario = add_scenario(ctx)
    return Stage(ana.id, scenario.id, scenario.key)


@pytest.fixture
def small_disk(tmp_path):
    """A fresh tmpfs to fill up or make read-only; unmounted afterwards.

    Mounting needs root; where it is impossible the test is skipped with the
    reason, except under CI, where that is a failure.
    """
    mounted: list[Path] = []

    def mount(megabytes: int, point: Path | None = None, read_only: bool = False) -> Path:
        point = point or tmp_path / f"disk{len(mounted)}"
        point.mkdir(parents=True, exist_ok=True)
        options = f"size={megabytes}m" + (",ro" if read_only else "")
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(point)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            reason = f"cannot mount a small tmpfs here ({done.stderr.strip()})"
            if os.environ.get("CI") == "true":
                pytest.fail(reason)
            pytest.skip(f"SKIPPED LOUDLY: {reason}")
        mounted.append(point)
        return point

    yield mount
    for point in reversed(mounted):
        subprocess.run(["umount", "-l", str(point)], check=False)


def fill(folder: Path, leave_bytes: int) -> Path:
    """Fill ``folder``'s filesystem until about ``leave_bytes`` are free."""
    filler = folder / "filler.bin"
    free = shutil.disk_usage(folder).free
    with open(filler, "wb") as f:
        f.write(b"\0" * max(0, free - leave_bytes))
    return filler
