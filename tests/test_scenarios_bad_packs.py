"""Bad scenario packs: each gives a clear error naming file and place, and changes nothing."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
import yaml
from scenarios_support import dump_database, pack_data, pack_text, scenario, write_pack

from app.scenarios import pack as pack_module
from app.scenarios import safeyaml, sources
from app.scenarios.importer import import_pack
from app.scenarios.problems import PackInvalid


@pytest.fixture
def trainer_ctx(ctx, make_profile):
    ctx.use_profile(make_profile("Tina", "trainer"))
    return ctx


def _with_scenario(**changes) -> dict:
    return pack_data(scenarios=[scenario(**changes)])


def missing_field(tmp: Path):
    data = pack_data()
    del data["scenarios"][0]["title"]
    return (
        write_pack(tmp, data),
        ["scenarios[0].title", "Give the scenario a title"],
        "- key: tent-bag",
    )


def wrong_type(tmp: Path):
    text = pack_text().replace("prep_seconds: 30", "prep_seconds: thirty")
    return (
        write_pack(tmp, text),
        ["scenarios[0].prep_seconds", "whole number"],
        "prep_seconds: thirty",
    )


def unknown_version(tmp: Path):
    return (
        write_pack(tmp, pack_text().replace("version: 1\npack:", "version: 2\npack:")),
        ["format version 2", "Update CrossCoach", "version"],
        "version: 2",
    )


def wrong_format(tmp: Path):
    return (
        write_pack(tmp, pack_text().replace("crosscoach-pack", "some-other-tool")),
        ["not a CrossCoach scenario pack", "some-other-tool"],
        "format: some-other-tool",
    )


def duplicate_ids(tmp: Path):
    data = pack_data(scenarios=[scenario("same"), scenario("same")])
    return write_pack(tmp, data), ["scenarios[1].key", "'same' is used twice"], None


def unknown_product(tmp: Path):
    data = _with_scenario(cross_sell="stove")
    return write_pack(tmp, data), ["scenarios[0].cross_sell", "'stove'"], "cross_sell: stove"


def unknown_rubric(tmp: Path):
    data = _with_scenario(rubric="missing-rubric")
    return (
        write_pack(tmp, data),
        ["scenarios[0].rubric", "'missing-rubric'"],
        "rubric: missing-rubric",
    )


def path_traversal(tmp: Path):
    (tmp.parent / "secret.mp4").write_bytes(b"not yours")
    data = _with_scenario(prompt_media="../secret.mp4")
    return (
        write_pack(tmp, data),
        ["scenarios[0].prompt_media", "leaves the pack folder"],
        "prompt_media: ../secret.mp4",
    )


def absolute_path(tmp: Path):
    data = _with_scenario(prompt_media="/etc/customer.mp4")
    return (
        write_pack(tmp, data),
        ["scenarios[0].prompt_media", "must be relative"],
        "prompt_media: /etc/customer.mp4",
    )


def link_escaping(tmp: Path):
    outside = tmp.parent / "outside.mp4"
    outside.write_bytes(b"\x00" * 100)
    folder = write_pack(tmp, _with_scenario(prompt_media="media/customer.mp4"))
    (folder / "media").mkdir()
    os.symlink(outside, folder / "media" / "customer.mp4")
    return (
        folder,
        ["media/customer.mp4", "points outside the pack"],
        "prompt_media: media/customer.mp4",
    )


def anchors_bomb(tmp: Path):
    bomb = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n, name in enumerate("bcdefghi"):
        prev = "abcdefghi"[n]
        bomb.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    text = pack_text() + "\n".join(bomb) + "\n"
    return write_pack(tmp, text), ["anchor '&a' is not allowed"], "a: &a"


def unsafe_tag(tmp: Path):
    text = pack_text().replace(
        "title: Tent buyer heading to the mountains",
        "title: !!python/object/apply:os.system ['touch pwned']",
    )
    return write_pack(tmp, text), ["'!!python/object/apply:os.system' is not allowed"], "title: !!"


def invalid_utf8(tmp: Path):
    raw = pack_text().encode().replace(b"Two-person tent", b"Two-person tent \xff\xfe")
    offset = raw.index(b"\xff")
    return (
        write_pack(tmp, raw),
        ["not valid UTF-8", f"byte {offset}", "0xff"],
        "Two-person tent",
    )


def oversized_file(tmp: Path):
    text = pack_text() + "# " + "x" * (2 * 1024 * 1024) + "\n"
    return write_pack(tmp, text), ["pack.yaml is 2.0 MiB", "limit is 2.0 MiB"], None


def missing_media(tmp: Path):
    data = _with_scenario(prompt_media="media/customer.m4a")
    return (
        write_pack(tmp, data),
        ["media/customer.m4a is missing", "scenarios[0].prompt_media"],
        "prompt_media: media/customer.m4a",
    )


def zip_slip(tmp: Path):
    archive = tmp.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pack.yaml", pack_text())
        zf.writestr("../../evil.sh", "echo gotcha")
    return archive, [f"{archive}:../../evil.sh", "points outside the pack"], None


def over_long_string(tmp: Path):
    data = _with_scenario(title="T" * 201)
    return (
        write_pack(tmp, data),
        ["scenarios[0].title", "201 characters", "limit is 200"],
        "title: TTT",
    )


def duplicate_yaml_field(tmp: Path):
    text = pack_text().replace(
        "  title: Tent buyer", "  title: First title\n  title: Tent buyer", 1
    )
    return write_pack(tmp, text), ["scenarios[0].title", "appears twice"], "title: Tent buyer"


def zero_weight(tmp: Path):
    text = pack_text().replace("weight: 1", "weight: 0")
    return (
        write_pack(tmp, text),
        ["rubrics[0].criteria[1].weight", "more than 0"],
        "weight: 0",
    )


def too_many_scenarios(tmp: Path):
    data = pack_data(scenarios=[scenario(f"s{n}") for n in range(pack_module.MAX_SCENARIOS + 1)])
    return write_pack(tmp, data), ["scenarios", "2001 scenarios", "limit is 2000"], "scenarios:"


def deep_nesting(tmp: Path):
    text = pack_text() + "extra: " + "[" * 40 + "]" * 40 + "\n"
    return write_pack(tmp, text), ["nests lists or fields more than 12 levels"], "extra:"


def not_a_pack(tmp: Path):
    tmp.mkdir()
    (tmp / "notes.txt").write_text("hello")
    return tmp, ["pack.yaml is missing from the pack folder"], None


def product_is_its_own_cross_sell(tmp: Path):
    data = _with_scenario(cross_sell="tent")
    return (
        write_pack(tmp, data),
        ["scenarios[0].cross_sell", "different product"],
        "cross_sell: tent",
    )


def unknown_field(tmp: Path):
    text = pack_text().replace("  title: Tent buyer", "  titel: Tent buyer", 1)
    return (
        write_pack(tmp, text),
        ["scenarios[0].titel", "Unknown field 'titel'", "scenarios[0].title"],
        "titel:",
    )


def two_documents(tmp: Path):
    text = pack_text() + "---\nformat: crosscoach-pack\n"
    return write_pack(tmp, text), ["not valid YAML", "single document"], "---"


def merge_key(tmp: Path):
    text = pack_text().replace(
        "  title: Tent buyer", "  <<: {title: Tent buyer}\n  title: Tent buyer", 1
    )
    return write_pack(tmp, text), ["merge key '<<' is not allowed"], "<<:"


def special_value_key(tmp: Path):
    text = pack_text().replace("  title: Tent buyer", "  =: x\n  title: Tent buyer", 1)
    return write_pack(tmp, text), ["'=' has a special meaning in YAML", "quotes"], "=: x"


def impossible_date_as_field_name(tmp: Path):
    text = pack_text().replace("  title: Tent buyer", "  2026-02-30: x\n  title: Tent buyer", 1)
    return write_pack(tmp, text), ["cannot be read", "day is out of range"], "2026-02-30"


def huge_number(tmp: Path):
    text = pack_text().replace("prep_seconds: 30", "prep_seconds: 0x" + "f" * 5000)
    return write_pack(tmp, text), ["scenarios[0].prep_seconds", "too large"], "prep_seconds: 0x"


def fractional_format_version(tmp: Path):
    return (
        write_pack(tmp, pack_text().replace("version: 1\npack:", "version: 1.0\npack:")),
        ["'version' must be 1, not 1.0"],
        "version: 1.0",
    )


CASES = [
    merge_key,
    special_value_key,
    impossible_date_as_field_name,
    huge_number,
    fractional_format_version,
    unknown_field,
    two_documents,
    missing_field,
    wrong_type,
    unknown_version,
    wrong_format,
    duplicate_ids,
    unknown_product,
    unknown_rubric,
    path_traversal,
    absolute_path,
    link_escaping,
    anchors_bomb,
    unsafe_tag,
    invalid_utf8,
    oversized_file,
    missing_media,
    zip_slip,
    over_long_string,
    duplicate_yaml_field,
    zero_weight,
    too_many_scenarios,
    deep_nesting,
    not_a_pack,
    product_is_its_own_cross_sell,
]


def _line_of(path: Path, marker: str) -> int:
    data = (path / "pack.yaml").read_bytes()
    return data[: data.index(marker.encode())].count(b"\n") + 1


@pytest.mark.parametrize("case", CASES, ids=[c.__name__ for c in CASES])
def test_a_bad_pack_is_refused_clearly_and_changes_nothing(case, trainer_ctx, tmp_path):
    path, fragments, marker = case(tmp_path / "pack")
    before = dump_database(trainer_ctx)
    media_before = sorted(trainer_ctx.paths.media.rglob("*"))

    with pytest.raises(PackInvalid) as caught:
        import_pack(trainer_ctx, path)

    text = caught.value.message
    for fragment in fragments:
        assert fragment in text
    named = [str(p) for p in caught.value.problems]
    assert all(p.file.startswith(str(path)) for p in caught.value.problems), named
    if marker is not None:
        assert f"line {_line_of(path, marker)}" in text, text
    assert dump_database(trainer_ctx) == before
    assert sorted(trainer_ctx.paths.media.rglob("*")) == media_before


def test_every_problem_is_reported_not_only_the_first(trainer_ctx, tmp_path):
    data = pack_data(
        scenarios=[
            scenario("one", title=""),
            scenario("two", prep_seconds=-5, rubric="nope"),
            scenario("three", tags="not a list"),
        ]
    )
    with pytest.raises(PackInvalid) as caught:
        import_pack(trainer_ctx, write_pack(tmp_path / "pack", data))
    fields = [p.field for p in caught.value.problems]
    assert fields == [
        "scenarios[0].title",
        "scenarios[1].prep_seconds",
        "scenarios[1].rubric",
        "scenarios[2].tags",
    ]


def test_a_zip_that_unpacks_too_big_is_refused(trainer_ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "ZIP_MAX_TOTAL_BYTES", 1024 * 1024)
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("pack.yaml", pack_text())
        zf.writestr("media/zeros.mp4", b"\x00" * (3 * 1024 * 1024))
    assert archive.stat().st_size < 64 * 1024  # highly compressed: a small bomb
    before = dump_database(trainer_ctx)
    with pytest.raises(PackInvalid, match=r"unpacks to 3\.0 MiB; the limit is 1\.0 MiB"):
        import_pack(trainer_ctx, archive)
    assert dump_database(trainer_ctx) == before


def test_a_zip_with_too_many_entries_is_refused(trainer_ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "ZIP_MAX_ENTRIES", 10)
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("pack.yaml", pack_text())
        for n in range(10):
            zf.writestr(f"media/{n}.mp4", b"x")
    with pytest.raises(PackInvalid, match="holds 11 files; the limit is 10"):
        import_pack(trainer_ctx, archive)


def test_media_over_the_size_limit_is_refused(trainer_ctx, tmp_path, monkeypatch):
    monkeypatch.setattr(sources, "MEDIA_MAX_BYTES", 1024)
    folder = write_pack(
        tmp_path / "pack",
        pack_data(scenarios=[scenario(prompt_media="media/big.wav")]),
        media={"media/big.wav": b"\x01" * 4096},
    )
    before = dump_database(trainer_ctx)
    with pytest.raises(PackInvalid) as caught:
        import_pack(trainer_ctx, folder)
    assert "scenarios[0].prompt_media" in caught.value.message
    assert "big.wav is 4 KiB; the limit is 1 KiB" in caught.value.message
    assert dump_database(trainer_ctx) == before


def test_a_failure_while_writing_rolls_everything_back(trainer_ctx, tmp_path, monkeypatch):
    """Valid pack, but the second scenario fails to save: the first is not kept either."""
    from app.scenarios import importer

    real = importer.upsert_scenario
    calls = []

    def failing(s, values, **kw):
        calls.append(values.key)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(s, values, **kw)

    monkeypatch.setattr(importer, "upsert_scenario", failing)
    folder = write_pack(tmp_path / "pack", pack_data(scenarios=[scenario("a"), scenario("b")]))
    before = dump_database(trainer_ctx)
    with pytest.raises(OSError):
        import_pack(trainer_ctx, folder)
    assert calls == ["a", "b"]
    assert dump_database(trainer_ctx) == before


def test_text_that_is_not_unicode_is_refused_by_the_python_parser_too(
    trainer_ctx, tmp_path, monkeypatch
):
    """libyaml refuses "\\ud800"; PyYAML's own parser (used where libyaml is missing) lets
    it through, and the database could not store it."""
    monkeypatch.setattr(safeyaml, "Loader", yaml.SafeLoader)
    text = pack_text().replace("title: Tent buyer heading to the mountains", 'title: "\\ud800"')
    folder = write_pack(tmp_path / "pack", text)
    before = dump_database(trainer_ctx)
    with pytest.raises(PackInvalid, match="not valid Unicode") as caught:
        import_pack(trainer_ctx, folder)
    assert caught.value.problems[0].field == "scenarios[0].title"
    assert dump_database(trainer_ctx) == before
