"""The scenario library as the UI and CLI see it: search, details, drafts and saving.

Everything returned is a plain frozen dataclass, never an ORM object, so the
UI can keep results after the session has closed.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sqlalchemy import Text, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from app.core.errors import NotFound, PermissionDenied, UserError
from app.core.media import find_media
from app.core.models import CrossSell, Product, Rubric, Scenario
from app.core.profiles import Profile
from app.scenarios import rules
from app.scenarios.rubrics import Criterion, rubric_criteria
from app.scenarios.store import ScenarioValues, upsert_rubric, upsert_scenario


@dataclass(frozen=True)
class ScenarioRow:
    """One line of the library table."""

    id: str
    key: str
    title: str
    product: str
    cross_sell: str
    tags: tuple[str, ...]
    difficulty: str
    prep_seconds: int
    max_answer_seconds: int


@dataclass(frozen=True)
class ScenarioDetail:
    id: str
    key: str
    title: str
    situation: str
    customer_line: str
    product_key: str
    product: str
    cross_sell_key: str
    cross_sell: str
    cross_sell_why: str
    talking_points: tuple[str, ...]
    keywords_mention: tuple[str, ...]
    keywords_avoid: tuple[str, ...]
    tags: tuple[str, ...]
    difficulty: str
    prep_seconds: int
    max_answer_seconds: int
    allowed_attempts: int
    prompt_media_path: str | None
    rubric_key: str
    rubric_name: str
    criteria: tuple[Criterion, ...]
    pack_key: str


@dataclass
class ScenarioDraft:
    """What the editor form edits."""

    key: str
    title: str
    situation: str
    customer_line: str
    product_key: str
    cross_sell_key: str
    talking_points: list[str]
    keywords_mention: list[str]
    keywords_avoid: list[str]
    tags: list[str]
    difficulty: str
    prep_seconds: int
    max_answer_seconds: int
    allowed_attempts: int
    rubric_key: str
    criteria: list[Criterion] = field(default_factory=list)
    id: str | None = None

    @classmethod
    def from_detail(cls, d: ScenarioDetail) -> ScenarioDraft:
        return cls(
            key=d.key,
            title=d.title,
            situation=d.situation,
            customer_line=d.customer_line,
            product_key=d.product_key,
            cross_sell_key=d.cross_sell_key,
            talking_points=list(d.talking_points),
            keywords_mention=list(d.keywords_mention),
            keywords_avoid=list(d.keywords_avoid),
            tags=list(d.tags),
            difficulty=d.difficulty,
            prep_seconds=d.prep_seconds,
            max_answer_seconds=d.max_answer_seconds,
            allowed_attempts=d.allowed_attempts,
            rubric_key=d.rubric_key,
            criteria=list(d.criteria),
            id=d.id,
        )

    @classmethod
    def blank(cls) -> ScenarioDraft:
        return cls(
            key="",
            title="",
            situation="",
            customer_line="",
            product_key="",
            cross_sell_key="",
            talking_points=[],
            keywords_mention=[],
            keywords_avoid=[],
            tags=[],
            difficulty="medium",
            prep_seconds=30,
            max_answer_seconds=120,
            allowed_attempts=3,
            rubric_key="",
            criteria=[],
        )


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DraftInvalid(UserError):
    """A draft that cannot be saved; ``errors`` says which fields and why."""

    def __init__(self, errors: list[FieldError]):
        super().__init__(
            "The scenario cannot be saved: " + " ".join(e.message for e in errors),
            "Correct the marked fields and save again.",
        )
        self.errors = errors


# --- reading -------------------------------------------------------------------------------


def search_scenarios(
    s: Session, text: str = "", product_key: str | None = None, limit: int | None = None
) -> list[ScenarioRow]:
    """Scenarios whose title, situation, products, keywords or tags contain every word.

    ``product_key`` keeps scenarios that have that product as either the
    customer's product or the cross-sell. Sorted by title, ignoring case.

    This feeds the Scenarios page with thousands of rows, so it reads only
    the listed columns (no ORM objects), looks product names up from one small
    query instead of joining, and sorts in Python (proper case-folding too).
    """
    query = select(
        Scenario.id,
        Scenario.key,
        Scenario.title,
        Scenario.primary_product_id,
        Scenario.cross_sell_product_id,
        type_coerce(Scenario.tags, Text),  # decoded below, once per distinct tag list
        Scenario.difficulty,
        Scenario.prep_seconds,
        Scenario.max_answer_seconds,
    ).where(Scenario.deleted.is_(False))
    for word in text.lower().split():
        query = query.where(Scenario.search_text.contains(word, autoescape=True))
    if product_key:
        product_id = select(Product.id).where(Product.key == product_key).scalar_subquery()
        query = query.where(
            or_(
                Scenario.primary_product_id == product_id,
                Scenario.cross_sell_product_id == product_id,
            )
        )
    conn = s.connection()
    names = dict(conn.execute(select(Product.id, Product.name)).all())
    tag_lists: dict[str, tuple[str, ...]] = {}
    rows = []
    for r in conn.execute(query).all():
        tags = r[5]
        if isinstance(tags, str):  # SQLite hands JSON back as text; PostgreSQL decodes it
            if tags not in tag_lists:
                tag_lists[tags] = tuple(json.loads(tags))
            tags = tag_lists[tags]
        rows.append(
            ScenarioRow(
                r[0], r[1], r[2], names[r[3]], names[r[4]], tuple(tags or ()), r[6], r[7], r[8]
            )
        )
    rows.sort(key=lambda row: (row.title.casefold(), row.key))
    return rows if limit is None else rows[:limit]


def find_scenario(s: Session, id_or_key: str) -> Scenario:
    """The live scenario with this id or key; NotFound otherwise."""
    needle = id_or_key.strip()
    scenario = s.get(Scenario, needle)
    if scenario is None or scenario.deleted:
        scenario = s.scalar(
            select(Scenario).where(Scenario.key == needle, Scenario.deleted.is_(False))
        )
    if scenario is None:
        raise NotFound(
            f"There is no scenario '{needle}'.",
            "See the scenarios with: crosscoach scenarios list",
        )
    return scenario


def get_scenario(s: Session, id_or_key: str, media_root: Path) -> ScenarioDetail:
    """Everything about one scenario; ``prompt_media_path`` is looked up under ``media_root``."""
    return _detail(s, find_scenario(s, id_or_key), media_root)


def _detail(s: Session, scenario: Scenario, media_root: Path | None) -> ScenarioDetail:
    pair = s.scalar(
        select(CrossSell).where(
            CrossSell.product_id == scenario.primary_product_id,
            CrossSell.suggested_id == scenario.cross_sell_product_id,
            CrossSell.deleted.is_(False),
        )
    )
    media = None
    if scenario.prompt_media_sha256 and media_root is not None:
        found = find_media(Path(media_root), scenario.prompt_media_sha256)
        media = str(found) if found else None
    return ScenarioDetail(
        id=scenario.id,
        key=scenario.key,
        title=scenario.title,
        situation=scenario.situation,
        customer_line=scenario.customer_line,
        product_key=scenario.primary_product.key,
        product=scenario.primary_product.name,
        cross_sell_key=scenario.cross_sell_product.key,
        cross_sell=scenario.cross_sell_product.name,
        cross_sell_why=pair.why if pair else "",
        talking_points=tuple(scenario.talking_points),
        keywords_mention=tuple(scenario.keywords_mention),
        keywords_avoid=tuple(scenario.keywords_avoid),
        tags=tuple(scenario.tags),
        difficulty=scenario.difficulty,
        prep_seconds=scenario.prep_seconds,
        max_answer_seconds=scenario.max_answer_seconds,
        allowed_attempts=scenario.allowed_attempts,
        prompt_media_path=media,
        rubric_key=scenario.rubric.key,
        rubric_name=scenario.rubric.name,
        criteria=rubric_criteria(s, scenario.rubric.key),
        pack_key=scenario.pack_key,
    )


def list_products(s: Session) -> list[tuple[str, str]]:
    rows = s.execute(
        select(Product.key, Product.name)
        .where(Product.deleted.is_(False))
        .order_by(func.lower(Product.name), Product.key)
    )
    return [(k, n) for k, n in rows]


def list_rubrics(s: Session) -> list[tuple[str, str]]:
    rows = s.execute(
        select(Rubric.key, Rubric.name)
        .where(Rubric.deleted.is_(False))
        .order_by(func.lower(Rubric.name), Rubric.key)
    )
    return [(k, n) for k, n in rows]


# --- editing -------------------------------------------------------------------------------


def validate_draft(s: Session, draft: ScenarioDraft) -> list[FieldError]:
    """Every problem with the draft, by field; empty when it can be saved.

    An empty key is allowed: saving makes one from the title.
    """
    values = _draft_values(draft)
    errors = [
        FieldError(f, m)
        for f, m in rules.check_fields(rules.SCENARIO_RULES, values)
        if not (f == "key" and not draft.key)
    ]
    bad = {e.field for e in errors}
    pair = rules.scenario_pair_problem(draft.product_key, draft.cross_sell_key)
    if pair and "cross_sell_key" not in bad:
        errors.append(FieldError("cross_sell_key", pair))
    live_products = {k for k, _ in list_products(s)}
    for name, label in (("product_key", "product"), ("cross_sell_key", "cross-sell product")):
        key = getattr(draft, name)
        if name not in bad and key not in live_products:
            errors.append(
                FieldError(name, f"There is no {label} '{key}'; choose one from the list.")
            )
    if draft.key and "key" not in bad:
        clash = s.scalar(select(Scenario.id).where(Scenario.key == draft.key))
        if clash is not None and clash != draft.id:
            errors.append(
                FieldError("key", f"Another scenario already uses the key '{draft.key}'.")
            )
    criteria = [asdict(c) for c in draft.criteria]
    for index, _field, message in rules.criteria_problems(criteria):
        where = "" if index is None else f"Criterion {index + 1}: "
        errors.append(FieldError("criteria", where + message))
    return errors


def save_scenario(
    s: Session, draft: ScenarioDraft, actor: Profile, media_root: Path | None = None
) -> ScenarioDetail:
    """Create or update the scenario and its rubric's criteria; trainers and managers only.

    The rubric's criteria become the draft's, for every scenario that uses the
    rubric; a new rubric key creates a rubric named after the scenario. Pass
    ``media_root`` to have ``prompt_media_path`` filled in the result.
    """
    if not actor.reviews:
        raise PermissionDenied(
            f"Only trainers and managers can edit scenarios; {actor.name} is a rep.",
            "Ask a trainer to make the change.",
        )
    if draft.id is not None:
        find_scenario(s, draft.id)
    errors = validate_draft(s, draft)
    if errors:
        raise DraftInvalid(errors)
    key = draft.key or _free_key(s, draft.title)
    products = {
        p.key: p
        for p in s.scalars(
            select(Product).where(Product.key.in_([draft.product_key, draft.cross_sell_key]))
        )
    }
    existing = s.scalar(select(Rubric).where(Rubric.key == draft.rubric_key))
    rubric = upsert_rubric(
        s,
        draft.rubric_key,
        existing.name if existing else draft.title.strip(),
        draft.criteria,
    )
    fields = {f: v for f, v in _draft_values(draft).items() if f not in _LINKS}
    scenario = upsert_scenario(
        s,
        ScenarioValues(**{**fields, "key": key}),
        product=products[draft.product_key],
        cross_sell=products[draft.cross_sell_key],
        rubric=rubric,
        scenario_id=draft.id,
    )
    s.flush()
    return _detail(s, scenario, media_root)


_LINKS = ("product_key", "cross_sell_key", "rubric_key")


def _draft_values(draft: ScenarioDraft) -> dict:
    """The draft's scenario fields by name (everything the field rules check)."""
    return {name: getattr(draft, name) for name in rules.SCENARIO_RULES}


def _free_key(s: Session, title: str) -> str:
    """A key made from the title, with a number added when it is taken."""
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:70] or "scenario"
    taken = set(s.scalars(select(Scenario.key).where(Scenario.key.startswith(base))))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key
