"""``crosscoach``: no arguments opens the desktop app; anything else is the CLI."""

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from app.cli.main import global_options, run

    options, rest = global_options(argv)
    if not rest:  # no command: the desktop app (the CLI never imports the UI)
        from app.ui.launch import launch_gui

        return launch_gui(data_dir=options.data_dir, acting_as=options.acting_as)
    return run(argv)


if __name__ == "__main__":
    sys.exit(main())
