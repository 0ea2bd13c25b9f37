"""``crosscoach scenarios``: the scenario library."""


def register(sub) -> None:
    sub.add_parser("scenarios", help="browse, validate, import and export scenarios")
