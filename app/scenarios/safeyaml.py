"""Reading pack.yaml without trusting it.

The text must be UTF-8. Before anything is built, one pass over the YAML
events refuses every anchor and alias (so no "billion laughs" expansion),
every explicit tag (``!!python/...`` and friends) and nesting deeper than
packs need. Only then is the document composed and turned into plain
dicts, lists and scalars, with the line of every value kept by its field path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import ConstructorError, SafeConstructor

from app.scenarios.problems import PackProblem

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
MAX_DEPTH = 12
MAX_REPORTED = 50  # a hostile file could have thousands of the same fault
MAX_WHOLE = 2**63 - 1  # what the database can store; pack limits are far lower
MERGE_TAG = "tag:yaml.org,2002:merge"
_UNREADABLE = object()


@dataclass
class Document:
    data: Any
    lines: dict[str, int] = field(default_factory=dict)  # field path -> 1-based line

    def line(self, path: str) -> int | None:
        """The line of ``path``, or of its nearest parent that has one."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = _parent(path)
        return self.lines.get("")


def load_document(data: bytes, file: str) -> tuple[Document | None, list[PackProblem]]:
    text, problem = _decode(data, file)
    if problem:
        return None, [problem]
    problems = _scan_events(text, file)
    if problems:
        return None, problems
    try:
        node = yaml.compose(text, Loader=Loader)
    except yaml.YAMLError as exc:
        return None, [_yaml_problem(exc, file)]
    if node is None:
        return None, [PackProblem(file, None, "", "The file is empty.")]
    doc = Document(None)
    problems = []
    doc.data = _build(node, "", node.start_mark.line + 1, doc, problems, file, SafeConstructor())
    return doc, problems


def _decode(data: bytes, file: str) -> tuple[str, PackProblem | None]:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return "", PackProblem(
            file,
            line,
            "",
            f"The file is not valid UTF-8 text: byte {exc.start} (0x{data[exc.start]:02x}) "
            f"on line {line} cannot be read. Save the file with UTF-8 encoding.",
        )


def _scan_events(text: str, file: str) -> list[PackProblem]:
    problems: list[PackProblem] = []
    depth = 0
    try:
        for event in yaml.parse(text, Loader=Loader):
            line = event.start_mark.line + 1
            if isinstance(event, yaml.AliasEvent):
                problems.append(
                    PackProblem(
                        file,
                        line,
                        "",
                        f"The YAML alias '*{event.anchor}' is not allowed in a pack; "
                        "write the value out in full.",
                    )
                )
            elif getattr(event, "anchor", None):
                problems.append(
                    PackProblem(
                        file,
                        line,
                        "",
                        f"The YAML anchor '&{event.anchor}' is not allowed in a pack; "
                        "write each value out in full.",
                    )
                )
            tag = getattr(event, "tag", None)
            if tag:
                shown = tag.replace("tag:yaml.org,2002:", "!!")
                problems.append(
                    PackProblem(
                        file,
                        line,
                        "",
                        f"The YAML tag '{shown}' is not allowed in a pack; "
                        "packs hold plain text, numbers and lists only.",
                    )
                )
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    problems.append(
                        PackProblem(
                            file,
                            line,
                            "",
                            f"The file nests lists or fields more than {MAX_DEPTH} levels deep, "
                            "which no pack needs.",
                        )
                    )
                    break
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
            if len(problems) >= MAX_REPORTED:
                break
    except yaml.YAMLError as exc:
        problems.append(_yaml_problem(exc, file))
    return problems


def _yaml_problem(exc: yaml.YAMLError, file: str) -> PackProblem:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    what = f"{context}, {problem}" if context else problem
    line = mark.line + 1 if mark is not None else None
    return PackProblem(file, line, "", f"The file is not valid YAML: {what}.")


def _build(node, path, line, doc, problems, file, constructor) -> Any:
    """Plain data from ``node``; a field's line is that of its name, an item's its own."""
    doc.lines[path] = line
    if isinstance(node, yaml.MappingNode):
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            line = key_node.start_mark.line + 1
            if not isinstance(key_node, yaml.ScalarNode):
                problems.append(PackProblem(file, line, path, "A field name must be plain text."))
                continue
            if key_node.tag == MERGE_TAG:
                problems.append(
                    PackProblem(
                        file,
                        line,
                        path,
                        "The YAML merge key '<<' is not allowed in a pack; "
                        "write the fields out in full.",
                    )
                )
                continue
            key = _scalar(key_node, path, problems, file, constructor)
            if key is _UNREADABLE:
                continue
            key = str(key)
            child = f"{path}.{key}" if path else key
            if key in result:
                problems.append(PackProblem(file, line, child, f"The field '{key}' appears twice."))
                continue
            result[key] = _build(value_node, child, line, doc, problems, file, constructor)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _build(item, f"{path}[{n}]", item.start_mark.line + 1, doc, problems, file, constructor)
            for n, item in enumerate(node.value)
        ]
    value = _scalar(node, path, problems, file, constructor)
    return None if value is _UNREADABLE else value


def _scalar(node, path, problems, file, constructor) -> Any:
    """The value of a scalar node, or _UNREADABLE (with a problem recorded)."""
    line = node.start_mark.line + 1
    try:
        value = constructor.construct_object(node)
    except ConstructorError:  # '<<' or '=' alone: YAML 1.1 gives them a meaning of their own
        problems.append(
            PackProblem(
                file,
                line,
                path,
                f"'{node.value}' has a special meaning in YAML; put it in quotes if you mean text.",
            )
        )
        return _UNREADABLE
    except ValueError as exc:  # a date that does not exist, such as 2026-02-30
        problems.append(PackProblem(file, line, path, f"This value cannot be read ({exc})."))
        return _UNREADABLE
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_WHOLE:
        problems.append(
            PackProblem(file, line, path, "This number is too large for any field of a pack.")
        )
        return _UNREADABLE
    if isinstance(value, str) and not _encodable(value):
        problems.append(
            PackProblem(file, line, path, "This text holds a character that is not valid Unicode.")
        )
        return _UNREADABLE
    return value


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate such as "\ud800" (the pure-Python parser)
        return False
    return True


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""
