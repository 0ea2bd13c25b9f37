"""What a passphrase costs: scrypt at CrossCoach's parameters, timed through the real vault.

Opens a real key file (app.identity.vault.unlock: scrypt, then AES-GCM) at the stored
parameters and at half and double the cost, in the same run. The baseline is one
Ed25519 signature (what every signed change costs), so the ratio says how many
signatures one unlock is worth. Medians of --runs runs after one warm-up, wall-clock
and CPU time::

    python bench/bench_kdf.py --runs 15
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.core.paths import DataPaths  # noqa: E402
from app.identity import vault  # noqa: E402
from app.identity.keys import Keys  # noqa: E402

SECRET = "correct horse battery staple"


def timed(call, runs: int) -> tuple[float, float]:
    call()  # warm-up
    walls, cpus = [], []
    for _ in range(runs):
        w, c = time.perf_counter(), time.process_time()
        call()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    keys = Keys.generate()
    base_wall, base_cpu = timed(lambda: keys.sign(b"x" * 600), args.runs * 20)
    print(f"baseline one Ed25519 signature: {base_wall:.3f} ms wall, {base_cpu:.3f} ms CPU")
    print(f"{'scrypt N, r, p':<18} {'memory':>7} {'wall ms':>8} {'x base':>8} {'CPU ms':>7}")
    shipped = dict(vault.KDF_PARAMETERS)
    with tempfile.TemporaryDirectory() as tmp:
        paths = DataPaths(Path(tmp))
        for n in (shipped["n"] // 2, shipped["n"], shipped["n"] * 2):
            vault.KDF_PARAMETERS = {**shipped, "n": n}
            person = f"bench-{n}"
            vault.create_key(paths, person, SECRET)
            wall, cpu = timed(lambda p=person: vault.unlock(paths, p, SECRET), args.runs)
            mib = 128 * shipped["r"] * n / 2**20
            label = f"2**{n.bit_length() - 1}, {shipped['r']}, {shipped['p']}"
            mark = "  <- CrossCoach" if n == shipped["n"] else ""
            print(
                f"{label:<18} {mib:>5.0f} MiB {wall:>8.1f} {wall / base_wall:>7.0f}x {cpu:>7.1f}{mark}"
            )
    vault.KDF_PARAMETERS = shipped
    return 0


if __name__ == "__main__":
    sys.exit(main())
