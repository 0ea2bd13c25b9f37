"""What is wrong with a pack: each problem names the file, the place and the fault."""

from __future__ import annotations

from dataclasses import dataclass

from app.core.errors import UserError


@dataclass(frozen=True)
class PackProblem:
    file: str  # the file as the user knows it: a path, or "pack.zip:folder/pack.yaml"
    line: int | None  # 1-based line in that file, when known
    field: str  # where in the pack, e.g. "scenarios[3].rubric" ("" for the file as a whole)
    message: str  # what is wrong, in plain words

    def __str__(self) -> str:
        place = [self.file]
        if self.line is not None:
            place.append(f"line {self.line}")
        if self.field:
            place.append(self.field)
        return f"{', '.join(place)}: {self.message}"


class PackInvalid(UserError):
    """A pack that cannot be used; ``problems`` lists every fault found."""

    def __init__(self, source: str, problems: list[PackProblem]):
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"The scenario pack {source} has {count}; nothing was imported:\n{lines}",
            "Fix the pack (see docs/scenario-format.md) and try again.",
        )
        self.source = source
        self.problems = problems
