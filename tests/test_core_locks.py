"""The one exclusive lock (app.core.locks): busy across processes and inside one, never
waiting, and let go by the operating system when its holder dies."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading

import pytest

from app.core.locks import ExclusiveLock, LockBusy, held_elsewhere

HOLD = """
import sys, time
from app.core.locks import ExclusiveLock
lock = ExclusiveLock(sys.argv[1])
print("held" if lock.acquire() else "busy", flush=True)
time.sleep(60)
"""


@pytest.fixture
def other_process():
    """Start a process that tries to take the lock at ``path``; returns its answer."""
    started = []

    def hold(path) -> tuple[subprocess.Popen, str]:
        proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], stdout=subprocess.PIPE)
        started.append(proc)
        return proc, proc.stdout.readline().decode().strip()

    yield hold
    for proc in started:
        proc.kill()
        proc.wait()
        proc.stdout.close()


def test_a_lock_held_by_another_process_is_busy_until_that_process_dies(tmp_path, other_process):
    path = tmp_path / "one-at-a-time.lock"
    holder, answer = other_process(path)
    assert answer == "held"
    lock = ExclusiveLock(path)

    assert not lock.acquire() and not lock.held
    assert held_elsewhere(path)
    with pytest.raises(LockBusy), lock:
        pass

    holder.send_signal(signal.SIGKILL)  # a crash: nobody releases it by hand
    holder.wait()
    assert not held_elsewhere(path)
    assert lock.acquire() and lock.held
    assert other_process(path)[1] == "busy"  # and now the others wait for us
    lock.release()
    assert not lock.held and other_process(path)[1] == "held"


def test_two_locks_on_one_path_exclude_each_other_inside_one_process(tmp_path):
    path = tmp_path / "sub" / "take.lock"
    first, second = ExclusiveLock(path), ExclusiveLock(path)
    assert not held_elsewhere(path) and not path.exists()  # asking creates nothing
    with first:
        assert first.acquire()  # already ours: still True
        assert not second.acquire()
        assert held_elsewhere(path)
    assert not first.held and path.exists()  # the file stays for the next holder
    assert second.acquire()
    # Taken on one thread, let go on another (a take starts and ends on different threads).
    releaser = threading.Thread(target=second.release)
    releaser.start()
    releaser.join()
    assert not second.held and first.acquire()
    first.release()
    first.release()  # releasing what is not held does nothing
