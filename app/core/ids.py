"""Identifiers: random UUIDs, so records made on different devices never collide."""

import uuid


def new_id() -> str:
    return str(uuid.uuid4())
