"""CrossCoach: offline-first sales cross-sell video coaching."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("crosscoach")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"
