"""Writing the library: products, cross-sell pairs, rubrics and scenarios, upserted by key.

Both the editor (:func:`app.scenarios.library.save_scenario`) and pack import
write through these functions, so ``Scenario.search_text`` is always filled in
the same way. Rows are matched by their key, including tombstoned ones, which
come back to life when written again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.core.ids import natural_id
from app.core.models import CrossSell, Product, Rubric, RubricCriterion, Scenario
from app.scenarios.rubrics import Criterion


@dataclass(frozen=True)
class ScenarioValues:
    """Everything a scenario row holds except its id, product/rubric links and media."""

    key: str
    title: str
    situation: str
    customer_line: str
    talking_points: Sequence[str]
    keywords_mention: Sequence[str]
    keywords_avoid: Sequence[str]
    tags: Sequence[str]
    difficulty: str
    prep_seconds: int
    max_answer_seconds: int
    allowed_attempts: int


def search_text_for(values: ScenarioValues, product: str, cross_sell: str) -> str:
    """What library search matches: title, situation, product names, keywords and tags."""
    parts = [
        values.title,
        values.situation,
        product,
        cross_sell,
        *values.keywords_mention,
        *values.keywords_avoid,
        *values.tags,
    ]
    return "\n".join(p.strip() for p in parts if p).lower()


def upsert_product(s: Session, key: str, name: str, category: str, description: str) -> Product:
    product = s.scalar(select(Product).where(Product.key == key))
    if product is None:
        product = Product(key=key, id=natural_id("products", key))
        s.add(product)
    renamed = product.name is not None and product.name != name
    _assign(product, name=name, category=category, description=description, deleted=False)
    if renamed:
        s.flush()
        refresh_search_text(s, product.id)
    return product


def upsert_cross_sell(s: Session, product: Product, suggested: Product, why: str) -> CrossSell:
    s.flush()  # new products need their ids
    pair = s.scalar(
        select(CrossSell).where(
            CrossSell.product_id == product.id, CrossSell.suggested_id == suggested.id
        )
    )
    if pair is None:
        pair = CrossSell(
            id=natural_id("cross_sells", product.key, suggested.key),
            product_id=product.id,
            suggested_id=suggested.id,
        )
        s.add(pair)
    _assign(pair, why=why, deleted=False)
    return pair


def upsert_rubric(s: Session, key: str, name: str, criteria: Iterable[Criterion]) -> Rubric:
    """The rubric with exactly these criteria, in this order; criteria left out are tombstoned."""
    rubric = s.scalar(select(Rubric).where(Rubric.key == key))
    if rubric is None:
        rubric = Rubric(key=key, name=name, id=natural_id("rubrics", key))
        s.add(rubric)
    _assign(rubric, name=name, deleted=False)
    existing = {c.key: c for c in rubric.criteria}
    wanted = list(criteria)
    for position, c in enumerate(wanted):
        row = existing.pop(c.key, None)
        if row is None:
            row = RubricCriterion(key=c.key, id=natural_id("rubric_criteria", key, c.key))
            rubric.criteria.append(row)
        _assign(
            row,
            name=c.name,
            description=c.description,
            weight=float(c.weight),
            max_score=int(c.max_score),
            position=position,
            deleted=False,
        )
    for row in existing.values():
        _assign(row, deleted=True)
    return rubric


def upsert_scenario(
    s: Session,
    values: ScenarioValues,
    *,
    product: Product,
    cross_sell: Product,
    rubric: Rubric,
    pack_key: str | None = None,
    media: tuple[str, str] | None | bool = False,
    scenario_id: str | None = None,
) -> Scenario:
    """Write one scenario, found by ``scenario_id`` or else by its key.

    ``media`` is (sha256, name), None to clear it, or False to leave it as it is;
    ``pack_key`` None leaves the scenario's pack as it is.
    """
    s.flush()  # new products and rubrics need their ids
    scenario = None
    if scenario_id is not None:
        scenario = s.get(Scenario, scenario_id)
    if scenario is None:
        scenario = s.scalar(select(Scenario).where(Scenario.key == values.key))
    if scenario is None:
        scenario = Scenario(key=values.key, id=natural_id("scenarios", values.key))
        if scenario_id is not None:
            scenario.id = scenario_id
        s.add(scenario)
    _assign(
        scenario,
        key=values.key,
        title=values.title.strip(),
        situation=values.situation.strip(),
        customer_line=values.customer_line.strip(),
        talking_points=[t.strip() for t in values.talking_points],
        keywords_mention=[t.strip() for t in values.keywords_mention],
        keywords_avoid=[t.strip() for t in values.keywords_avoid],
        tags=[t.strip() for t in values.tags],
        difficulty=values.difficulty,
        prep_seconds=values.prep_seconds,
        max_answer_seconds=values.max_answer_seconds,
        allowed_attempts=values.allowed_attempts,
        primary_product_id=product.id,
        cross_sell_product_id=cross_sell.id,
        rubric_id=rubric.id,
        search_text=search_text_for(values, product.name, cross_sell.name),
        deleted=False,
    )
    if pack_key is not None:
        _assign(scenario, pack_key=pack_key)
    if media is not False:
        sha, name = media if media else (None, None)
        _assign(scenario, prompt_media_sha256=sha, prompt_media_name=name)
    return scenario


def refresh_search_text(s: Session, product_id: str) -> None:
    """Recompute search_text of the scenarios that name a product (after a rename)."""
    scenarios = s.scalars(
        select(Scenario).where(
            or_(
                Scenario.primary_product_id == product_id,
                Scenario.cross_sell_product_id == product_id,
            )
        )
    )
    for scenario in scenarios:
        values = ScenarioValues(
            key=scenario.key,
            title=scenario.title,
            situation=scenario.situation,
            customer_line=scenario.customer_line,
            talking_points=scenario.talking_points,
            keywords_mention=scenario.keywords_mention,
            keywords_avoid=scenario.keywords_avoid,
            tags=scenario.tags,
            difficulty=scenario.difficulty,
            prep_seconds=scenario.prep_seconds,
            max_answer_seconds=scenario.max_answer_seconds,
            allowed_attempts=scenario.allowed_attempts,
        )
        text = search_text_for(
            values, scenario.primary_product.name, scenario.cross_sell_product.name
        )
        _assign(scenario, search_text=text)


def _assign(obj, **values) -> None:
    """Set only what differs, so an unchanged re-import does not bump sync versions."""
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)
