"""The test kit: one way to make a catalogue, one way to make a clip.

``add_catalogue`` writes products, a rubric and scenarios through an ORM session (any
session: a device's, a trainer's, the fixture ``ctx``'s). ``make_clip`` makes a short,
real recording with ffmpeg, its command built by the product's own command module
(:func:`app.recorder.commands.clip_command`) from the product's own stand-in sources:
the test pattern and tone a take is recorded from on machines without a camera, or
black and silence.

No tests live here; conftest.py and the *_support.py modules wrap these where many
tests use a fixture by name.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import select

from app.core.models import Product, Rubric, RubricCriterion, Scenario
from app.recorder import commands
from app.recorder.commands import Encoding, InputSpec
from app.recorder.devices import black_source, synthetic_source
from app.recorder.ffmpeg_tools import find_ffmpeg

# --- catalogues -----------------------------------------------------------------------


@dataclass
class Catalogue:
    """What :func:`add_catalogue` wrote (readable after its session ends)."""

    products: dict[str, Product]  # by key
    rubric: Rubric
    scenarios: list[Scenario]

    @property
    def scenario(self) -> Scenario:
        return self.scenarios[0]


def add_catalogue(
    session,
    key: str = "coffee",
    *,
    products: Sequence[tuple[str, ...]] | None = None,
    rubric: tuple[str, str] | None = None,
    criteria: Sequence[tuple] = (("opening", "Opening"), ("bridge", "Bridge")),
    scenarios: Sequence[dict] | None = None,
) -> Catalogue:
    """Products, a rubric and scenarios, written in ``session`` as whoever it acts for.

    - ``products``: (key, name) or (key, name, category); by default two named after
      ``key``: ``<key>-a`` and ``<key>-b``.
    - ``rubric``: (key, name), by default (``<key>-rubric``, "Basics"); its ``criteria``
      are (key, name[, weight[, max_score]]), in order.
    - ``scenarios``: each a dict of Scenario columns; ``primary`` and ``cross_sell`` name
      products by key (these, or any already in the database), by default the first two
      of ``products``. By default one: ``<key>-scenario``, "<key> cross-sell".

    The defaults are the small catalogue a trainer writes in the sync tests.
    """
    if products is None:
        products = ((f"{key}-a", f"{key} A"), (f"{key}-b", f"{key} B"))
    if rubric is None:
        rubric = (f"{key}-rubric", "Basics")
    if scenarios is None:
        scenarios = [
            {
                "key": f"{key}-scenario",
                "title": f"{key} cross-sell",
                "situation": "A customer buys A.",
            }
        ]
    made = {p[0]: Product(key=p[0], name=p[1], **({"category": p[2]} if len(p) > 2 else {}))
            for p in products}  # fmt: skip
    new_rubric = Rubric(key=rubric[0], name=rubric[1])
    new_rubric.criteria = [
        RubricCriterion(
            key=c[0],
            name=c[1],
            weight=c[2] if len(c) > 2 else 1.0,
            max_score=c[3] if len(c) > 3 else 5,
            position=n,
        )
        for n, c in enumerate(criteria)
    ]
    session.add_all([*made.values(), new_rubric])
    session.flush()

    def product(product_key: str) -> Product:
        found = made.get(product_key) or session.scalar(
            select(Product).where(Product.key == product_key)
        )
        assert found is not None, f"no product {product_key!r} for the scenario"
        return found

    first_two = list(made)[:2]
    rows = []
    for spec in scenarios:
        fields = dict(spec)
        primary = product(fields.pop("primary", None) or first_two[0])
        cross_sell = product(fields.pop("cross_sell", None) or first_two[1])
        rows.append(scenario_row(primary, cross_sell, new_rubric, **fields))
    session.add_all(rows)
    session.flush()
    return Catalogue(made, new_rubric, rows)


def scenario_row(primary: Product, cross_sell: Product, rubric: Rubric, **fields) -> Scenario:
    """A Scenario offering ``cross_sell`` to a buyer of ``primary``, not yet added."""
    return Scenario(
        primary_product_id=primary.id,
        cross_sell_product_id=cross_sell.id,
        rubric_id=rubric.id,
        **fields,
    )


# --- clips ----------------------------------------------------------------------------


def clip_encoding(size: tuple[int, int] = (160, 120), fps: int = 15, *, crf: int = 23,
                  maxrate: str = "2M") -> Encoding:  # fmt: skip
    """How a clip is encoded: as a take is (H.264 + AAC), at the clip's size and rate."""
    return Encoding(size[0], size[1], fps, crf=crf, maxrate=maxrate, audio_bitrate="128k")


def lavfi(graph: str, video: bool) -> InputSpec:
    """An input made by one of ffmpeg's own filter graphs (a picture, or a sound)."""
    return InputSpec(graph, {"f": "lavfi"}, video=video, audio=not video)


def still_picture(image: Path, fps: int = 15) -> InputSpec:
    """An image file shown again and again, as a picture that never changes."""
    return InputSpec(str(image), {"loop": 1, "framerate": fps}, video=True)


def source_inputs(source: str, enc: Encoding, tone: int = 440) -> tuple[InputSpec, ...]:
    """The product's stand-in sources: ``"test"`` (moving test pattern and a tone; another
    ``tone`` in Hz gives another clip, so another SHA-256) or ``"black"`` (and silence)."""
    if source == "black":
        return black_source(enc).inputs
    if source != "test":
        raise ValueError(f"no stand-in source {source!r}: use 'test' or 'black'")
    picture, sound = synthetic_source(enc).inputs
    pitch = "frequency=440"
    assert pitch in sound.target, f"the synthetic camera's tone changed: {sound.target}"
    return picture, replace(sound, target=sound.target.replace(pitch, f"frequency={tone}"))


def make_clip(
    path: Path,
    seconds: float = 1.0,
    *,
    size: tuple[int, int] = (160, 120),
    fps: int = 15,
    source: str = "test",
    tone: int = 440,
    still: Path | None = None,
    picture: bool = True,
    sound: bool = True,
    inputs: tuple[InputSpec, ...] | None = None,
    video_filters: tuple[tuple[str, dict], ...] = (),
    crf: int = 23,
    maxrate: str = "2M",
) -> Path:
    """A real H.264/AAC clip at ``path`` (an ``.m4a`` for sound alone); returns ``path``.

    The picture and sound come from the product's stand-in ``source`` (see
    :func:`source_inputs`), or exactly ``inputs`` when given; ``still`` shows that image
    instead of the moving pattern; ``picture=False`` / ``sound=False`` leave a stream
    out. ``video_filters`` go to the picture, ``crf``/``maxrate`` set its quality.
    """
    enc = clip_encoding(size, fps, crf=crf, maxrate=maxrate)
    if inputs is None:
        inputs = source_inputs(source, enc, tone)
        if still is not None:
            inputs = (still_picture(still, fps), *(i for i in inputs if not i.video))
    kept = tuple(i for i in inputs if (i.video and picture) or (i.audio and sound))
    path.parent.mkdir(parents=True, exist_ok=True)
    argv = commands.clip_command(find_ffmpeg().path, kept, enc, path, seconds, video_filters)
    subprocess.run(argv, check=True)
    return path
