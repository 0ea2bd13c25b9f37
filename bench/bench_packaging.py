"""Bundle size, build time and start-up time of the bundled app against the source install.

    python bench/bench_packaging.py [--runs 7] [--skip-build]

Builds dist/crosscoach with packaging/build.sh (unless --skip-build), then
times, interleaved in the same run, the source install (``python -m app``)
and the bundled executable for ``--version`` and for a GUI start that quits
itself (CROSSCOACH_QUIT_AFTER_MS=1, offscreen). Reports medians and the ratio
bundled / source.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUNDLED = ROOT / "dist" / "crosscoach" / "crosscoach"


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def timed(argv: list[str], env: dict) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=env, check=True, capture_output=True, timeout=300)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()

    build_seconds = None
    if not args.skip_build:
        out = subprocess.run(
            ["bash", str(ROOT / "packaging" / "build.sh")],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        build_seconds = int(re.search(r"in (\d+) s", out).group(1))
        print(out.strip().splitlines()[-1])

    data = Path(tempfile.mkdtemp(prefix="cc-bench-pack-"))
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "CROSSCOACH_DATA_DIR": str(data)}
    subprocess.run(
        [sys.executable, "-m", "app", "profile", "create", "--name", "Bench", "--role", "trainer"],
        env=env,
        check=True,
        capture_output=True,
    )
    gui_env = {**env, "CROSSCOACH_QUIT_AFTER_MS": "1"}
    cases = {
        "--version": ([sys.executable, "-m", "app", "--version"], [str(BUNDLED), "--version"], env),
        "GUI start and quit": ([sys.executable, "-m", "app"], [str(BUNDLED)], gui_env),
    }
    print(f"bundle: {folder_size(BUNDLED.parent) / 1e6:.0f} MB in {BUNDLED.parent}")
    archives = list((ROOT / "dist").glob("crosscoach-*.tar.gz"))
    for archive in archives:
        print(f"archive: {archive.stat().st_size / 1e6:.0f} MB {archive.name}")
    if build_seconds is not None:
        print(f"build: {build_seconds} s")
    for name, (source, bundled, case_env) in cases.items():
        timed(source, case_env), timed(bundled, case_env)  # warm the file cache
        s_times, b_times = [], []
        for _ in range(args.runs):
            s_times.append(timed(source, case_env))
            b_times.append(timed(bundled, case_env))
        s, b = statistics.median(s_times), statistics.median(b_times)
        print(
            f"{name:20s} source {s * 1000:7.0f} ms   bundled {b * 1000:7.0f} ms   "
            f"bundled/source {b / s:.2f}x"
        )


if __name__ == "__main__":
    main()
