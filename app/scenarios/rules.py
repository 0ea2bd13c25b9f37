"""The field rules for scenarios, rubrics and products: one place for the editor and packs.

Each rule checks one value and returns a plain sentence when it is wrong, so
the same words appear next to a field in the editor and after a line number
in a pack error. Field names are those of :class:`app.scenarios.library.ScenarioDraft`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9._-]*")
KEY_MAX = 80
DIFFICULTIES = ("easy", "medium", "hard")
MAX_CRITERIA = 20
NAME_MAX_BYTES = 255  # one file or folder name on ext4, APFS and NTFS (in UTF-16 units there)
WINDOWS_FORBIDDEN = '<>:"|?*'
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)
}
MEDIA_SUFFIXES = (
    ".aac",
    ".flac",
    ".m4a",
    ".mkv",
    ".mov",
    ".mp3",
    ".mp4",
    ".ogg",
    ".opus",
    ".wav",
    ".webm",
)


@dataclass(frozen=True)
class Text:
    label: str  # "the title": used inside sentences
    max_len: int
    required: bool = True
    missing: str = ""  # what to say when a required value is empty

    def check(self, value: Any) -> str | None:
        if value is None:
            value = ""
        if not isinstance(value, str):
            return f"{_cap(self.label)} must be text, not {kind_of(value)}."
        if not value.strip():
            return (self.missing or f"{_cap(self.label)} is missing.") if self.required else None
        if len(value) > self.max_len:
            return (
                f"{_cap(self.label)} is {len(value)} characters long; the limit is {self.max_len}."
            )
        return None


@dataclass(frozen=True)
class Key:
    label: str
    required: bool = True

    def check(self, value: Any) -> str | None:
        if value is None or value == "":
            return f"{_cap(self.label)} is missing." if self.required else None
        if not isinstance(value, str):
            return f"{_cap(self.label)} must be text, not {kind_of(value)}."
        if len(value) > KEY_MAX or not KEY_PATTERN.fullmatch(value):
            return (
                f"{_cap(self.label)} '{short(value)}' is not a valid key: use up to {KEY_MAX} "
                "lower-case letters, digits, '-', '_' or '.', starting with a letter or digit."
            )
        return None


@dataclass(frozen=True)
class Whole:
    label: str
    low: int
    high: int
    unit: str = ""

    def check(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"{_cap(self.label)} must be a whole number, not {kind_of(value)}."
        if not self.low <= value <= self.high:
            unit = f" {self.unit}" if self.unit else ""
            return (
                f"{_cap(self.label)} must be from {self.low} to {self.high}{unit}; it is {value}."
            )
        return None


@dataclass(frozen=True)
class Positive:
    label: str
    high: float

    def check(self, value: Any) -> str | None:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return f"{_cap(self.label)} must be a number, not {kind_of(value)}."
        if not 0 < value <= self.high:
            return f"{_cap(self.label)} must be more than 0 and at most {self.high:g}; it is {value:g}."
        return None


@dataclass(frozen=True)
class TextList:
    label: str
    max_items: int
    max_len: int
    min_items: int = 0

    def check(self, value: Any) -> str | None:
        if value is None:
            value = []
        if not isinstance(value, (list, tuple)):
            return f"{_cap(self.label)} must be a list of text lines, not {kind_of(value)}."
        if len(value) < self.min_items:
            return f"Add at least {self.min_items} of {self.label}."
        if len(value) > self.max_items:
            return f"There are {len(value)} {self.label}; the limit is {self.max_items}."
        for n, item in enumerate(value, 1):
            if not isinstance(item, str):
                return f"Item {n} of {self.label} must be text, not {kind_of(item)}."
            if not item.strip():
                return f"Item {n} of {self.label} is empty."
            if len(item) > self.max_len:
                return f"Item {n} of {self.label} is {len(item)} characters long; the limit is {self.max_len}."
        lowered = [item.strip().lower() for item in value]
        for n, item in enumerate(lowered, 1):
            if item in lowered[: n - 1]:
                return f"Item {n} of {self.label} ('{short(value[n - 1])}') is listed twice."
        return None


@dataclass(frozen=True)
class Choice:
    label: str
    choices: tuple[str, ...]

    def check(self, value: Any) -> str | None:
        if value not in self.choices:
            return f"{_cap(self.label)} must be one of {', '.join(self.choices)}; it is '{short(str(value))}'."
        return None


SCENARIO_RULES: Mapping[str, Any] = {
    "key": Key("the scenario key"),
    "title": Text("the title", 200, missing="Give the scenario a title."),
    "situation": Text("the customer situation", 4000, missing="Describe the customer's situation."),
    "customer_line": Text(
        "the customer line", 2000, missing="Write what the customer says to open the scenario."
    ),
    "product_key": Key("the product"),
    "cross_sell_key": Key("the cross-sell product"),
    "talking_points": TextList("talking points", 20, 500, min_items=1),
    "keywords_mention": TextList("keywords to mention", 30, 80),
    "keywords_avoid": TextList("keywords to avoid", 30, 80),
    "tags": TextList("tags", 20, 40),
    "difficulty": Choice("the difficulty", DIFFICULTIES),
    "prep_seconds": Whole("the preparation time", 0, 3600, "seconds"),
    "max_answer_seconds": Whole("the maximum answer time", 5, 3600, "seconds"),
    "allowed_attempts": Whole("the number of allowed attempts", 1, 100),
    "rubric_key": Key("the rubric"),
}

CRITERION_RULES: Mapping[str, Any] = {
    "key": Key("the criterion key"),
    "name": Text("the criterion name", 200, missing="Give the criterion a name."),
    "description": Text("the criterion description", 2000, required=False),
    "weight": Positive("the weight", 100),
    "max_score": Whole("the maximum score", 1, 100, "points"),
}

RUBRIC_RULES: Mapping[str, Any] = {
    "key": Key("the rubric key"),
    "name": Text("the rubric name", 200, missing="Give the rubric a name."),
}

PRODUCT_RULES: Mapping[str, Any] = {
    "key": Key("the product key"),
    "name": Text("the product name", 200, missing="Give the product a name."),
    "category": Text("the category", 120, required=False),
    "description": Text("the product description", 4000, required=False),
}

CROSS_SELL_RULES: Mapping[str, Any] = {
    "from": Key("the product"),
    "to": Key("the suggested product"),
    "why": Text("the reason", 2000, required=False),
}


def check_fields(rules: Mapping[str, Any], values: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(field, message) for every field of ``values`` that breaks its rule."""
    problems = []
    for field, rule in rules.items():
        message = rule.check(values.get(field))
        if message:
            problems.append((field, message))
    return problems


def scenario_pair_problem(product_key: Any, cross_sell_key: Any) -> str | None:
    if product_key and product_key == cross_sell_key:
        return "The cross-sell product must be a different product from the one the customer has."
    return None


def criteria_problems(criteria: Iterable[Mapping[str, Any]]) -> list[tuple[int | None, str, str]]:
    """(index or None, field, message) for a rubric's criteria as a whole and one by one."""
    criteria = list(criteria)
    problems: list[tuple[int | None, str, str]] = []
    if not criteria:
        problems.append((None, "", "The rubric needs at least one criterion to score."))
    if len(criteria) > MAX_CRITERIA:
        problems.append(
            (None, "", f"The rubric has {len(criteria)} criteria; the limit is {MAX_CRITERIA}.")
        )
    seen: set[str] = set()
    for n, criterion in enumerate(criteria):
        for field, message in check_fields(CRITERION_RULES, criterion):
            problems.append((n, field, message))
        key = criterion.get("key")
        if isinstance(key, str) and key:
            if key in seen:
                problems.append((n, "key", f"The criterion key '{key}' is used twice."))
            seen.add(key)
    return problems


def media_name_problem(name: str) -> str | None:
    """A prompt media path inside a pack: relative, inside the pack, audio or video."""
    if not name.strip():
        return "The prompt media path is empty."
    if "\\" in name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return (
            f"The prompt media path '{short(name)}' must be relative to the pack folder, "
            "written with '/' (for example media/customer.mp4)."
        )
    parts = name.split("/")
    if ".." in parts:
        return (
            f"The prompt media path '{short(name)}' leaves the pack folder ('..' is not allowed)."
        )
    if any(part in ("", ".") for part in parts):
        return (
            f"The prompt media path '{short(name)}' has an empty or '.' folder; "
            "write it plainly, for example media/customer.mp4."
        )
    if len(name) > 255:
        return f"The prompt media path is {len(name)} characters long; the limit is 255."
    if any(ord(c) < 32 or ord(c) == 127 for c in name):
        return "The prompt media path contains a control character (such as a line break)."
    for part in parts:
        if len(part.encode("utf-8")) > NAME_MAX_BYTES:
            return (
                f"The name '{short(part)}' in the prompt media path is too long for file "
                f"systems ({len(part.encode('utf-8'))} bytes; the limit is {NAME_MAX_BYTES}; "
                "letters such as é take two bytes). Shorten the file name."
            )
        if problem := _windows_name_problem(part):
            return f"The name '{short(part)}' in the prompt media path {problem}; rename the file."
    if not name.lower().endswith(MEDIA_SUFFIXES):
        return (
            f"The prompt media '{short(name)}' is not an audio or video file CrossCoach plays "
            f"(use {', '.join(MEDIA_SUFFIXES)})."
        )
    return None


def _windows_name_problem(part: str) -> str | None:
    """Why Windows could not hold a file or folder of this name (packs travel between systems)."""
    if bad := sorted(set(part) & set(WINDOWS_FORBIDDEN)):
        return f"uses {' '.join(bad)}, which Windows does not allow in file names"
    if part.split(".")[0].strip().upper() in WINDOWS_RESERVED:
        return "is a name Windows reserves for devices"
    if part.endswith((" ", ".")):
        return "ends with a space or a dot, which Windows drops"
    return None


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def kind_of(value: Any) -> str:
    if value is None:
        return "empty"
    return {
        bool: "yes/no",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        tuple: "a list",
        dict: "a group of fields",
    }.get(type(value), type(value).__name__)
