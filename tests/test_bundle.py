"""The self-contained bundle really works: build it from this checkout, then run
the BUNDLED executable (not the source) the way a user and the doctor would.

Building takes a few minutes, so it runs under CI (CI=true) or when
CROSSCOACH_BUNDLE_TEST=1; elsewhere it skips and says how to run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from pathlib import Path

import pytest

from app import __version__

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = ROOT / "dist" / "crosscoach"
EXE = BUNDLE / "crosscoach"

pytestmark = [
    pytest.mark.bundle,
    pytest.mark.skipif(
        os.environ.get("CI") != "true" and os.environ.get("CROSSCOACH_BUNDLE_TEST") != "1",
        reason="builds the PyInstaller bundle (minutes): run with CROSSCOACH_BUNDLE_TEST=1",
    ),
]


@pytest.fixture(scope="module")
def bundle():
    result = subprocess.run(
        ["bash", str(ROOT / "packaging" / "build.sh")],
        capture_output=True,
        text=True,
        timeout=1800,
        env={**os.environ, "PYTHON": os.environ.get("PYTHON", _python())},
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert EXE.exists()
    return result.stdout


def _python() -> str:
    import sys

    return sys.executable


def run_bundled(*args: str, data_dir: Path, timeout=180, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    clean.update(QT_QPA_PLATFORM="offscreen", CROSSCOACH_DATA_DIR=str(data_dir), **env)
    return subprocess.run(
        [str(EXE), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean,
        cwd=data_dir.parent,
    )


def test_bundle_reports_what_it_built(bundle):
    assert "Built dist/crosscoach" in bundle
    archives = list((ROOT / "dist").glob(f"crosscoach-{__version__}-linux-*.tar.gz"))
    assert len(archives) == 1
    with tarfile.open(archives[0]) as tar:
        names = set(tar.getnames())
    assert "crosscoach/crosscoach" in names
    assert "crosscoach/share/applications/io.github.crosscoach.CrossCoach.desktop" in names
    assert "crosscoach/LICENSES/THIRD-PARTY.txt" in names


def test_bundled_version(bundle, tmp_path):
    result = run_bundled("--version", data_dir=tmp_path / "d")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"CrossCoach {__version__}"


def test_bundled_doctor_and_headless_recording(bundle, tmp_path):
    data = tmp_path / "d"
    env = {"CROSSCOACH_SOURCE": "test"}
    assert (
        run_bundled("profile", "create", "--name", "Ana", "--role", "rep", data_dir=data).returncode
        == 0
    )
    doctor = run_bundled("doctor", data_dir=data, **env)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "Traceback" not in doctor.stderr

    rec = run_bundled(
        "record",
        "--scenario",
        "phone-headset-sound",
        "--source",
        "test",
        "--seconds",
        "3",
        "--json",
        data_dir=data,
    )
    assert rec.returncode == 0, rec.stderr
    take = json.loads(rec.stdout)
    from app.recorder.probe import probe

    info = probe(Path(take["path"]))
    codecs = {s.kind: s.codec for s in info.streams}
    assert codecs == {"video": "h264", "audio": "aac"}


@pytest.mark.real_kdf  # the bundled app makes its keys at the real cost
def test_bundled_keys_and_passphrases_work(bundle, tmp_path):
    """scrypt, AES-GCM and Ed25519 (cryptography's compiled parts) inside the bundle."""
    data = tmp_path / "d"
    made = run_bundled(
        "profile", "create", "--name", "Tom", "--role", "trainer", "--json",
        data_dir=data, CROSSCOACH_PASSPHRASE="toms passphrase",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr[-3000:]
    assert json.loads(made.stdout)["fingerprint"]
    refused = run_bundled("--as", "Tom", "queue", data_dir=data, CROSSCOACH_PASSPHRASE="a guess")
    assert refused.returncode == 4 and "That is not Tom's passphrase" in refused.stderr
    allowed = run_bundled(
        "--as", "Tom", "queue", data_dir=data, CROSSCOACH_PASSPHRASE="toms passphrase"
    )
    assert allowed.returncode == 0, allowed.stderr[-3000:]


def test_bundled_gui_starts_and_quits_cleanly(bundle, tmp_path):
    data = tmp_path / "d"
    # A rep without a PIN: the window opens at once (a trainer would be asked a passphrase).
    assert (
        run_bundled(
            "profile", "create", "--name", "Rita", "--role", "rep", data_dir=data
        ).returncode
        == 0
    )
    gui = run_bundled(data_dir=data, CROSSCOACH_QUIT_AFTER_MS="1500")
    assert gui.returncode == 0, gui.stderr[-3000:]
    assert "Traceback" not in gui.stderr


def test_bundled_report_writes_a_pdf_with_a_name_beyond_latin_1(bundle, tmp_path):
    """fpdf2 and the DejaVu fonts inside the bundle: a rep prints their own report."""
    data = tmp_path / "d"
    made = run_bundled(
        "profile", "create", "--name", "Zoë Łukasik", "--role", "rep", "--json", data_dir=data
    )
    assert made.returncode == 0, made.stderr[-3000:]
    rep = json.loads(made.stdout)["id"]  # by id: a name lookup folds only ASCII capitals
    pdf = tmp_path / "zoë.pdf"
    done = run_bundled(
        "--as", rep, "report", rep, "--period", "all", "--pdf", str(pdf), data_dir=data
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Coaching report: Zoë Łukasik" in text and "No reviews in this period." in text
