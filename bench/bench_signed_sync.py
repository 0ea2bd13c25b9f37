"""What signing costs a sync: the same team, with and without a roster, in one run.

    python bench/bench_signed_sync.py              # 10,000 records, 5 rounds
    python bench/bench_signed_sync.py --rounds 3

Two offices share the same library (bench_sync.build_library: 10,093 records),
each a trainer's laptop and a second laptop on their own shared folder. In
one, a manager founded the roster and every change goes out in a signed batch
(one Ed25519 signature per batch and person, checked on arrival); the other
signs nothing. Each round times, in both offices alternately: a no-op sync of
the second laptop, and a 1,000-change sync (the trainer's laptop sends 500 new
comments and 500 edited reviews, the second laptop receives them). The figure
is the best time of each over the rounds, as a ratio signed / unsigned.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_sync import build_library  # noqa: E402
from sqlalchemy import select  # noqa: E402

from app.bootstrap import open_context  # noqa: E402
from app.core.models import Comment, Person, Review, Role, Submission  # noqa: E402
from app.core.profiles import create_profile, find_profile  # noqa: E402
from app.identity.keys import Keys  # noqa: E402
from app.sync import roster  # noqa: E402
from app.sync.service import SyncService  # noqa: E402


class Office:
    def __init__(self, root: Path, signed: bool, records: int):
        share = root / "share"
        share.mkdir(parents=True)
        self.remote = f"folder:{share}"
        self.a, self.b = open_context(root / "a"), open_context(root / "b")
        (root / "clips").mkdir()
        build_library(self.a, root / "clips", records)
        with self.a.db.session() as s:
            self.tina = s.scalar(select(Person.id).where(Person.name == "Tina"))
        self.keys: dict[str, Keys] = {}
        if signed:
            with self.a.db.session() as s:
                mia = create_profile(s, "Mia", Role.MANAGER)
            mia_keys = self.keys[mia.id] = Keys.generate()
            self.keys[self.tina] = Keys.generate()
            with self.a.db.session(mia.id) as s:
                me = find_profile(s, mia.id)
                roster.found(s, me, mia_keys)
                tina = find_profile(s, self.tina)
                public = self.keys[self.tina].public_bytes().hex()
                roster.add_member(s, me, mia_keys, tina.id, tina.name, tina.role, public)
        self.sync_a, self.sync_b = self._service(self.a), self._service(self.b)
        self.sync_a.sync()
        self.sync_b.sync()
        self.sync_a.sync()
        self.sync_b.sync()

    def _service(self, ctx) -> SyncService:
        return SyncService(ctx.db, ctx.settings, self.remote, keys_for=self.keys.get)

    def noop(self) -> float:
        start = time.perf_counter()
        report = self.sync_b.sync()
        assert report.records_down == 0 and report.records_up == 0, report
        return time.perf_counter() - start

    def thousand(self, round_: int) -> float:
        with self.a.db.session() as s:
            subs = list(s.scalars(select(Submission.id).limit(500)))
        with self.a.db.session(self.tina) as s:
            for sub in subs:
                s.add(Comment(submission_id=sub, at_seconds=3.0, text=f"Round {round_}"))
            for review in s.scalars(
                select(Review).where(
                    Review.reviewer_id == self.tina, Review.submission_id.in_(subs)
                )
            ):
                review.feedback = f"Edited in round {round_}"
        start = time.perf_counter()
        sent = self.sync_a.sync().records_up
        got = self.sync_b.sync().records_down
        took = time.perf_counter() - start
        assert sent == got == 1000, (sent, got)
        return took

    def close(self) -> None:
        self.a.close()
        self.b.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="crosscoach-bench-signed-") as tmp:
        offices = {
            "unsigned": Office(Path(tmp) / "unsigned", False, args.records),
            "signed": Office(Path(tmp) / "signed", True, args.records),
        }
        times = {(k, m): [] for k in offices for m in ("noop", "thousand")}
        for n in range(args.rounds):
            for kind, office in offices.items():
                times[(kind, "noop")].append(office.noop())
                times[(kind, "thousand")].append(office.thousand(n))
        for office in offices.values():
            office.close()
    for measure, label in (("noop", "no-op sync, 10,000 records"), ("thousand", "1,000 changes")):
        plain, signed = min(times[("unsigned", measure)]), min(times[("signed", measure)])
        print(
            f"{label}: signed {signed:.3f} s, unsigned {plain:.3f} s, "
            f"ratio {signed / plain:.2f}x (target <= 1.10x)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
