"""The scenario pack format (``format: crosscoach-pack``, ``version: 1``) and its validation.

:func:`read_pack` opens a folder or a .zip, reads pack.yaml safely and checks
every field against :mod:`app.scenarios.rules` (the same rules as the
editor), collecting every problem with its file, line and field path. It
touches no database: :mod:`app.scenarios.importer` writes a valid pack.
docs/scenario-format.md describes the format for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.scenarios import rules
from app.scenarios.problems import PackInvalid, PackProblem
from app.scenarios.rubrics import Criterion
from app.scenarios.safeyaml import Document, load_document
from app.scenarios.sources import MEDIA_MAX_BYTES, PackSource, mib, open_source
from app.scenarios.store import ScenarioValues

FORMAT = "crosscoach-pack"
FORMAT_VERSION = 1
MAX_SCENARIOS = 2000
MAX_PRODUCTS = 2000
MAX_CROSS_SELLS = 5000
MAX_RUBRICS = 500
MEDIA_TOTAL_MAX_BYTES = 1024 * 1024 * 1024

TOP_FIELDS = ("format", "version", "pack", "products", "cross_sells", "rubrics", "scenarios")
PACK_FIELDS = ("key", "name", "version", "description", "author")
RUBRIC_FIELDS = ("key", "name", "criteria")
SCENARIO_FIELDS = (
    "key",
    "title",
    "situation",
    "customer_line",
    "product",
    "cross_sell",
    "talking_points",
    "keywords",
    "tags",
    "difficulty",
    "prep_seconds",
    "max_answer_seconds",
    "allowed_attempts",
    "prompt_media",
    "rubric",
)
# A scenario's field in the pack -> its name in the shared rules (ScenarioDraft).
PACK_TO_RULE = {
    "product": "product_key",
    "cross_sell": "cross_sell_key",
    "rubric": "rubric_key",
    "keywords.mention": "keywords_mention",
    "keywords.avoid": "keywords_avoid",
}
RULE_TO_PACK = {v: k for k, v in PACK_TO_RULE.items()}
SCENARIO_DEFAULTS = {
    "keywords_mention": [],
    "keywords_avoid": [],
    "tags": [],
    "difficulty": "medium",
    "prep_seconds": 30,
    "max_answer_seconds": 120,
    "allowed_attempts": 3,
}
PACK_INFO_RULES = {
    "key": rules.Key("the pack key"),
    "name": rules.Text("the pack name", 200, missing="Give the pack a name."),
    "version": rules.Whole("the pack version", 1, 1_000_000_000),
    "description": rules.Text("the pack description", 4000, required=False),
    "author": rules.Text("the author", 200, required=False),
}


@dataclass(frozen=True)
class PackInfo:
    key: str
    name: str
    version: int
    description: str
    author: str


@dataclass(frozen=True)
class PackProduct:
    key: str
    name: str
    category: str
    description: str


@dataclass(frozen=True)
class PackCrossSell:
    product: str
    suggested: str
    why: str


@dataclass(frozen=True)
class PackRubric:
    key: str
    name: str
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True)
class PackScenario:
    values: ScenarioValues
    product: str
    cross_sell: str
    rubric: str
    prompt_media: str | None  # pack-relative POSIX path


@dataclass(frozen=True)
class Pack:
    info: PackInfo
    products: tuple[PackProduct, ...]
    cross_sells: tuple[PackCrossSell, ...]
    rubrics: tuple[PackRubric, ...]
    scenarios: tuple[PackScenario, ...]
    source: PackSource


def read_pack(path: Path) -> Pack:
    """The valid pack at ``path``, or PackInvalid listing every problem.

    The caller closes ``pack.source`` when done with its media.
    """
    source = open_source(Path(path))
    problems = list(source.problems)
    pack = None
    if not problems:
        data = source.read_manifest()
        problems = list(source.problems)
        if data is not None:
            doc, problems = load_document(data, source.manifest_label)
            if doc is not None and not problems:
                checker = _Checker(doc, source)
                pack = checker.run()
                problems = checker.problems
    if problems or pack is None:
        source.close()
        raise PackInvalid(source.label, problems)
    return pack


class _Checker:
    """Walks the document once, collecting problems and building the Pack."""

    def __init__(self, doc: Document, source: PackSource):
        self.doc = doc
        self.source = source
        self.file = source.manifest_label
        self.problems: list[PackProblem] = []

    def fail(self, path: str, message: str) -> None:
        self.problems.append(PackProblem(self.file, self.doc.line(path), path, message))

    def run(self) -> Pack | None:
        top = self.doc.data
        if not isinstance(top, dict):
            self.fail("", "pack.yaml must be a set of fields (format, version, pack, ...).")
            return None
        if not self._format_ok(top):
            return None
        self._unknown(top, "", TOP_FIELDS)
        info = self._info(top.get("pack"))
        raw_products = self._list(top, "products", MAX_PRODUCTS, required=True)
        raw_rubrics = self._list(top, "rubrics", MAX_RUBRICS, required=True)
        # References are checked against every key declared, even on a record with
        # its own problem, so one mistake is reported once.
        product_keys, rubric_keys = _declared(raw_products), _declared(raw_rubrics)
        products = self._products(raw_products)
        cross_sells = self._cross_sells(
            self._list(top, "cross_sells", MAX_CROSS_SELLS), product_keys
        )
        rubrics = self._rubrics(raw_rubrics)
        scenarios = self._scenarios(
            self._list(top, "scenarios", MAX_SCENARIOS, required=True), product_keys, rubric_keys
        )
        self._media_total(scenarios)
        if self.problems or info is None:
            return None
        return Pack(info, products, cross_sells, rubrics, scenarios, self.source)

    def _format_ok(self, top: dict) -> bool:
        if top.get("format") != FORMAT:
            shown = rules.short(str(top.get("format")))
            self.fail(
                "format",
                f"This is not a CrossCoach scenario pack: 'format' must be '{FORMAT}'"
                + (f", not '{shown}'." if "format" in top else ", and it is missing."),
            )
            return False
        version = top.get("version")
        if type(version) is not int or version != FORMAT_VERSION:
            if type(version) is int and version > 1:
                message = (
                    f"The pack is written in format version {version}; this CrossCoach reads "
                    f"version {FORMAT_VERSION}. Update CrossCoach to import it."
                )
            else:
                message = f"'version' must be {FORMAT_VERSION}, not {rules.short(repr(version))}."
            self.fail("version", message)
            return False
        return True

    def _unknown(self, mapping: dict, path: str, allowed: tuple[str, ...]) -> None:
        for name in mapping:
            if name not in allowed:
                where = f"{path}.{name}" if path else name
                self.fail(
                    where,
                    f"Unknown field '{name}'; the fields here are {', '.join(allowed)}.",
                )

    def _mapping(self, value: Any, path: str, what: str) -> dict | None:
        if not isinstance(value, dict):
            self.fail(path, f"{what} must be a set of fields, not {rules.kind_of(value)}.")
            return None
        return value

    def _list(self, top: dict, name: str, limit: int, required: bool = False) -> list:
        value = top.get(name)
        if value is None:
            if required:
                self.fail(name, f"The pack has no '{name}' list.")
            return []
        if not isinstance(value, list):
            self.fail(name, f"'{name}' must be a list, not {rules.kind_of(value)}.")
            return []
        if len(value) > limit:
            self.fail(name, f"The pack has {len(value)} {name}; the limit is {limit}.")
            return []
        return value

    def _check(self, ruleset: Mapping[str, Any], values: dict, path: str) -> bool:
        """Apply the shared field rules to one record; True when it passes."""
        found = rules.check_fields(ruleset, values)
        for field, message in found:
            self.fail(f"{path}.{field}", message)
        return not found

    def _duplicate(self, seen: set, key: Any, path: str, what: str) -> None:
        if isinstance(key, str) and key:
            if key in seen:
                self.fail(path, f"The {what} key '{key}' is used twice in this pack.")
            seen.add(key)

    def _info(self, raw: Any) -> PackInfo | None:
        info = self._mapping(raw, "pack", "'pack'")
        if info is None:
            return None
        self._unknown(info, "pack", PACK_FIELDS)
        if not self._check(PACK_INFO_RULES, info, "pack"):
            return None
        return PackInfo(
            info["key"],
            info["name"].strip(),
            info["version"],
            (info.get("description") or "").strip(),
            (info.get("author") or "").strip(),
        )

    def _products(self, raw: list) -> tuple[PackProduct, ...]:
        products, seen = [], set()
        for n, item in enumerate(raw):
            path = f"products[{n}]"
            if (p := self._mapping(item, path, "A product")) is None:
                continue
            self._unknown(p, path, tuple(rules.PRODUCT_RULES))
            self._duplicate(seen, p.get("key"), f"{path}.key", "product")
            if self._check(rules.PRODUCT_RULES, p, path):
                products.append(
                    PackProduct(
                        p["key"],
                        p["name"].strip(),
                        (p.get("category") or "").strip(),
                        (p.get("description") or "").strip(),
                    )
                )
        return tuple(products)

    def _cross_sells(self, raw: list, product_keys: set[str]) -> tuple[PackCrossSell, ...]:
        pairs, seen = [], set()
        for n, item in enumerate(raw):
            path = f"cross_sells[{n}]"
            if (c := self._mapping(item, path, "A cross-sell")) is None:
                continue
            self._unknown(c, path, tuple(rules.CROSS_SELL_RULES))
            if not self._check(rules.CROSS_SELL_RULES, c, path):
                continue
            ok = self._known(c["from"], product_keys, f"{path}.from", "product")
            ok = self._known(c["to"], product_keys, f"{path}.to", "product") and ok
            if c["from"] == c["to"]:
                self.fail(f"{path}.to", "A product cannot be its own cross-sell.")
                ok = False
            if (c["from"], c["to"]) in seen:
                self.fail(path, f"The cross-sell {c['from']} -> {c['to']} is listed twice.")
                ok = False
            seen.add((c["from"], c["to"]))
            if ok:
                pairs.append(PackCrossSell(c["from"], c["to"], (c.get("why") or "").strip()))
        return tuple(pairs)

    def _known(self, key: str, known: set[str], path: str, what: str) -> bool:
        if key not in known:
            self.fail(path, f"No {what} with the key '{key}' is defined in this pack.")
            return False
        return True

    def _rubrics(self, raw: list) -> tuple[PackRubric, ...]:
        rubrics, seen = [], set()
        for n, item in enumerate(raw):
            path = f"rubrics[{n}]"
            if (r := self._mapping(item, path, "A rubric")) is None:
                continue
            self._unknown(r, path, RUBRIC_FIELDS)
            self._duplicate(seen, r.get("key"), f"{path}.key", "rubric")
            ok = self._check(rules.RUBRIC_RULES, r, path)
            criteria = r.get("criteria")
            if not isinstance(criteria, list):
                self.fail(
                    f"{path}.criteria",
                    "A rubric needs a list of criteria to score"
                    + ("." if criteria is None else f", not {rules.kind_of(criteria)}."),
                )
                continue
            good = []
            for i, c in enumerate(criteria):
                if self._mapping(c, f"{path}.criteria[{i}]", "A criterion") is None:
                    ok = False
                else:
                    self._unknown(c, f"{path}.criteria[{i}]", tuple(rules.CRITERION_RULES))
                    good.append(c)
            if len(good) != len(criteria):
                continue
            for index, field, message in rules.criteria_problems(criteria):
                where = f"{path}.criteria" if index is None else f"{path}.criteria[{index}]"
                self.fail(f"{where}.{field}" if field else where, message)
                ok = False
            if ok:
                rubrics.append(
                    PackRubric(
                        r["key"],
                        r["name"].strip(),
                        tuple(
                            Criterion(
                                c["key"],
                                c["name"].strip(),
                                (c.get("description") or "").strip(),
                                float(c["weight"]),
                                c["max_score"],
                            )
                            for c in criteria
                        ),
                    )
                )
        return tuple(rubrics)

    def _scenarios(
        self, raw: list, product_keys: set[str], rubric_keys: set[str]
    ) -> tuple[PackScenario, ...]:
        scenarios, seen = [], set()
        for n, item in enumerate(raw):
            path = f"scenarios[{n}]"
            if (sc := self._mapping(item, path, "A scenario")) is None:
                continue
            self._unknown(sc, path, SCENARIO_FIELDS)
            self._duplicate(seen, sc.get("key"), f"{path}.key", "scenario")
            values = self._scenario_values(sc, path)
            if values is None:
                continue
            ok = self._links_ok(values, path, product_keys, rubric_keys)
            media = self._media(sc.get("prompt_media"), f"{path}.prompt_media")
            if ok and media is not False:
                links = {k: values.pop(k) for k in ("product_key", "cross_sell_key", "rubric_key")}
                scenarios.append(
                    PackScenario(
                        ScenarioValues(**values),
                        links["product_key"],
                        links["cross_sell_key"],
                        links["rubric_key"],
                        media,
                    )
                )
        return tuple(scenarios)

    def _links_ok(
        self, values: dict, path: str, product_keys: set[str], rubric_keys: set[str]
    ) -> bool:
        """Field rules, then the references of every field that passed them."""
        found = rules.check_fields(rules.SCENARIO_RULES, values)
        for field, message in found:
            self.fail(f"{path}.{RULE_TO_PACK.get(field, field)}", message)
        bad = {field for field, _ in found}
        ok = not found
        links = (
            ("product_key", product_keys, "product"),
            ("cross_sell_key", product_keys, "product"),
            ("rubric_key", rubric_keys, "rubric"),
        )
        for field, known, what in links:
            if field not in bad:
                ok = self._known(values[field], known, f"{path}.{RULE_TO_PACK[field]}", what) and ok
        pair = rules.scenario_pair_problem(values["product_key"], values["cross_sell_key"])
        if pair and not bad & {"product_key", "cross_sell_key"}:
            self.fail(f"{path}.cross_sell", pair)
            ok = False
        return ok

    def _scenario_values(self, sc: dict, path: str) -> dict | None:
        values = {name: sc.get(name) for name in rules.SCENARIO_RULES if name in sc}
        for pack_name, rule_name in PACK_TO_RULE.items():
            if "." not in pack_name:
                values[rule_name] = sc.get(pack_name)
        keywords = sc.get("keywords")
        if keywords is not None:
            if self._mapping(keywords, f"{path}.keywords", "'keywords'") is None:
                return None
            self._unknown(keywords, f"{path}.keywords", ("mention", "avoid"))
            values["keywords_mention"] = keywords.get("mention")
            values["keywords_avoid"] = keywords.get("avoid")
        for name, default in SCENARIO_DEFAULTS.items():
            if values.get(name) is None:
                values[name] = default
        return values

    def _media(self, name: Any, path: str) -> str | None | bool:
        """The checked media path, None when there is none, False when it is wrong."""
        if name is None:
            return None
        if not isinstance(name, str):
            self.fail(path, f"The prompt media must be a file path, not {rules.kind_of(name)}.")
            return False
        problem = rules.media_name_problem(name) or self.source.media_problem(name)
        if problem:
            self.fail(path, problem)
            return False
        return name

    def _media_total(self, scenarios: tuple[PackScenario, ...]) -> None:
        names = {s.prompt_media for s in scenarios if s.prompt_media}
        total = sum(self.source.media_size(n) for n in names)
        if total > MEDIA_TOTAL_MAX_BYTES:
            self.fail(
                "scenarios",
                f"The pack's media files add up to {mib(total)}; the limit is "
                f"{mib(MEDIA_TOTAL_MAX_BYTES)} (each file may be up to {mib(MEDIA_MAX_BYTES)}).",
            )


def _declared(records: list) -> set[str]:
    return {r["key"] for r in records if isinstance(r, dict) and isinstance(r.get("key"), str)}
