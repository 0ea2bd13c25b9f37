"""The built-in scenario pack, loaded on the first start of a data folder."""


def ensure_builtin_pack(ctx) -> None:
    """Placeholder until the pack loader lands."""
