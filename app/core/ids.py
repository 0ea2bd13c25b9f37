"""Identifiers: random UUIDs, so records made on different devices never collide."""

import uuid

# Records named by a natural key (a product key, a team name) get an id derived
# from it, so two devices that create "the same" record offline (the built-in
# pack on every device, team "North" on two laptops) make one record, which
# sync then merges, instead of two that clash on the unique key.
_NATURAL = uuid.UUID("5d1b6c1e-3c52-4c43-9a61-0c8e2f7a9b10")


def new_id() -> str:
    return str(uuid.uuid4())


def natural_id(kind: str, *key: str) -> str:
    return str(uuid.uuid5(_NATURAL, "\x1f".join((kind, *key))))
