"""``crosscoach``: no arguments opens the desktop app; anything else is the CLI."""

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from app.cli.main import run

    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
