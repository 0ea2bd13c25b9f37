"""Hundreds of broken copies of a real pack: validate and import never crash, never accept
a broken one, never refuse a good one, and a refusal leaves the library as it was.

The base is the real export of the built-in pack (with prompt media added to two of its
scenarios through a real import, so the zip holds media entries too). Every variant is
made from it by one mutation whose outcome the format document decides: the test says
"valid" or "refused" when it makes the variant, never by asking the code under test.
"""

from __future__ import annotations

import copy
import io
import json
import os
import stat
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenarios_support import (
    CENTRAL_CRC,
    CENTRAL_FLAGS,
    CENTRAL_METHOD,
    CENTRAL_NAME_LEN,
    CENTRAL_SIZE,
    CENTRAL_USIZE,
    dump_database,
    flipped,
    make_audio,
    patched,
    unzip_files,
    zip_files,
    zip_layout,
)

from app.bootstrap import open_context
from app.core.errors import UserError
from app.core.profiles import create_profile, parse_role
from app.scenarios.exporter import export_pack
from app.scenarios.importer import import_pack
from app.scenarios.pack import read_pack
from app.scenarios.problems import PackInvalid

MEDIA = ("media/customer-a.m4a", "media/customer-b.m4a")


@dataclass(frozen=True)
class Variant:
    name: str
    valid: bool  # what docs/scenario-format.md says about this pack
    make: Callable[[Path], Path]  # writes the variant into an empty folder; returns its path


@dataclass(frozen=True)
class Base:
    text: str  # the exported pack.yaml
    files: dict[str, bytes]  # every entry of the exported zip
    raw: bytes  # the exported zip's bytes

    @property
    def data(self) -> dict:
        """A fresh copy of pack.yaml's content, to change."""
        return yaml.load(self.text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@pytest.fixture
def trainer_ctx(ctx, make_profile):
    ctx.use_profile(make_profile("Tina", "trainer"))
    return ctx


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Base:
    """The export, made once, in a data folder of its own."""
    folder = tmp_path_factory.mktemp("base")
    ctx = open_context(folder / "data")
    try:
        with ctx.session() as s:
            ctx.use_profile(create_profile(s, "Tom", parse_role("trainer")))
        return _export_base(ctx, folder)
    finally:
        ctx.close()


def _export_base(ctx, tmp: Path) -> Base:
    """Export the built-in pack, give two scenarios real prompt media, import, export again."""
    with ctx.db.session() as s:
        export_pack(s, tmp / "builtin", ctx.paths.media)
    data = yaml.safe_load((tmp / "builtin" / "pack.yaml").read_text(encoding="utf-8"))
    for n, name in enumerate(MEDIA):
        data["scenarios"][n]["prompt_media"] = name
        make_audio(tmp / "builtin" / name, frequency=440 + 220 * n)
    (tmp / "builtin" / "pack.yaml").write_text(_dump(data), encoding="utf-8")
    import_pack(ctx, tmp / "builtin")
    with ctx.db.session() as s:
        export_pack(s, tmp / "base.zip", ctx.paths.media)
    files = unzip_files(tmp / "base.zip")
    assert sorted(files) == sorted(["pack.yaml", *MEDIA])
    return Base(files["pack.yaml"].decode("utf-8"), files, (tmp / "base.zip").read_bytes())


def _dump(data, **options) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml's is 20 times faster
    return yaml.dump(data, Dumper=dumper, sort_keys=False, allow_unicode=True, **options)


# How a variant is written -------------------------------------------------------------


def with_manifest(base: Base, manifest: str | bytes) -> Callable[[Path], Path]:
    """The exported zip with pack.yaml replaced (media entries as exported)."""
    raw = manifest.encode("utf-8") if isinstance(manifest, str) else manifest

    def make(folder: Path) -> Path:
        return zip_files(folder / "pack.zip", {**base.files, "pack.yaml": raw})

    return make


def with_files(files: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> Callable:
    def make(folder: Path) -> Path:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # zipfile warns about duplicate names
            return zip_files(folder / "pack.zip", files, method)

    return make


def with_bytes(raw: bytes) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        (folder / "pack.zip").write_bytes(raw)
        return folder / "pack.zip"

    return make


def with_duplicate(base: Base, name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = zip_files(folder / "pack.zip", base.files)
        with warnings.catch_warnings(), zipfile.ZipFile(path, "a") as zf:
            warnings.simplefilter("ignore")
            zf.writestr(name, b"another copy")
        return path

    return make


def with_entry(base: Base, info: zipfile.ZipInfo, data: bytes = b"") -> Callable:
    def make(folder: Path) -> Path:
        path = zip_files(folder / "pack.zip", base.files)
        with zipfile.ZipFile(path, "a") as zf:
            zf.writestr(info, data)
        return path

    return make


# YAML mutations -----------------------------------------------------------------------


def data_variants(base: Base) -> list[Variant]:
    """One field changed, added or removed in the parsed export, dumped back as YAML."""
    variants = []

    def add(name: str, valid: bool, change: Callable[[dict], object]) -> None:
        data = base.data
        change(data)
        variants.append(Variant(f"data: {name}", valid, with_manifest(base, _dump(data))))

    def setter(path: str, value) -> Callable[[dict], None]:
        def change(data: dict) -> None:
            *parents, last = _steps(path)
            target = data
            for step in parents:
                target = target[step]
            target[last] = copy.deepcopy(value)

        return change

    def deleter(path: str) -> Callable[[dict], None]:
        def change(data: dict) -> None:
            *parents, last = _steps(path)
            target = data
            for step in parents:
                target = target[step]
            del target[last]

        return change

    # Wrong types, out of range, too long, missing, unknown: each breaks a documented rule.
    refused = {
        "format": [None, "other-tool", 1, ["crosscoach-pack"]],
        "version": [2, 0, "1", 1.0, True, None],
        "pack": [None, "builtin", []],
        "products": [{}, "phone"],
        "rubrics": [None, {}],
        "scenarios": [None, "all"],
        "cross_sells": ["tent -> bag", {}],
        "pack.key": ["Bad Key", "", 5, "k" * 81, "-starts-with-dash"],
        "pack.name": ["   ", "N" * 201, ["a"]],
        "pack.version": [0, 1_000_000_001, "3", 3.5, 10**30],
        "pack.description": ["D" * 4001, {"a": 1}],
        "pack.author": [["me"], "A" * 201],
        "products[0]": ["phone", []],
        "products[0].key": ["Phone", "p" * 81, 7, None],
        "products[0].name": ["", "N" * 201, 1.5],
        "products[0].category": ["C" * 121, ["x"]],
        "products[0].description": ["D" * 4001],
        "cross_sells[0]": ["pair"],
        "cross_sells[0].from": ["no-such-product", ["a"], None],
        "cross_sells[0].to": ["no-such-product", ""],
        "cross_sells[0].why": ["W" * 2001, 42],
        "rubrics[0]": ["rubric"],
        "rubrics[0].key": [None, "Has Space"],
        "rubrics[0].name": [None, "R" * 201],
        "rubrics[0].criteria": [None, [], {"key": "x"}, "all of them"],
        "rubrics[0].criteria[0]": ["need"],
        "rubrics[0].criteria[0].key": [None, "Need!"],
        "rubrics[0].criteria[0].name": [None, "N" * 201],
        "rubrics[0].criteria[0].description": ["D" * 2001],
        "rubrics[0].criteria[0].weight": [0, -1, 101, "2", True, float("nan"), float("inf")],
        "rubrics[0].criteria[0].max_score": [0, 101, 2.5, "5", None],
        "scenarios[0]": ["a scenario", None],
        "scenarios[0].key": [None, "UPPER", "s" * 81, 12],
        "scenarios[0].title": [None, "", "  ", "T" * 201, ["t"], True],
        "scenarios[0].situation": [None, "S" * 4001],
        "scenarios[0].customer_line": [None, "C" * 2001, {"a": "b"}],
        "scenarios[0].product": [None, "no-such-product", 3],
        "scenarios[0].cross_sell": [None, "no-such-product"],
        "scenarios[0].rubric": [None, "no-such-rubric"],
        "scenarios[0].talking_points": [
            None,
            [],
            "one point",
            [f"Point {n}" for n in range(21)],
            ["P" * 501],
            ["Same point", "same point"],
            ["ok", 7],
            ["ok", "   "],
        ],
        "scenarios[0].keywords": [["a", "b"], "a, b", {"mention": [], "maybe": []}],
        "scenarios[0].keywords.mention": [[f"k{n}" for n in range(31)], ["K" * 81], "word"],
        "scenarios[0].keywords.avoid": [[1, 2]],
        "scenarios[0].tags": [[f"t{n}" for n in range(21)], ["T" * 41], "tag"],
        "scenarios[0].difficulty": ["extreme", 3, "Medium"],
        "scenarios[0].prep_seconds": [-1, 3601, "30", 30.5, False],
        "scenarios[0].max_answer_seconds": [4, 3601, "90"],
        "scenarios[0].allowed_attempts": [0, 101, True, 2.0],
        "scenarios[0].prompt_media": [
            5,
            "",
            "../outside.m4a",
            "/etc/customer.m4a",
            "media\\customer-a.m4a",
            "C:/customer.m4a",
            "media/customer-a.txt",
            "media/missing.m4a",
            "media//customer-a.m4a",
            "./media/customer-a.m4a",
            "media/customer-a.m4a/",
            "MEDIA/customer-a.m4a",  # names are exact, as on Linux and in zips
        ],
    }
    for path, values in refused.items():
        for value in values:
            add(f"{path} = {_short(value)}", False, setter(path, value))

    unknown = ["", "pack", "products[0]", "cross_sells[0]", "rubrics[0]"]
    unknown += ["rubrics[0].criteria[0]", "scenarios[0]"]
    for where in unknown:
        add(f"unknown field in {where or 'the top'}", False, setter(_join(where, "colour"), "red"))
    for path in ["format", "version", "pack", "products", "rubrics", "scenarios", "pack.key"]:
        add(f"{path} removed", False, deleter(path))
    for path in ["pack.name", "pack.version", "products[0].key", "products[0].name"]:
        add(f"{path} removed", False, deleter(path))
    for path in ["rubrics[0].key", "rubrics[0].criteria[0].weight", "scenarios[0].key"]:
        add(f"{path} removed", False, deleter(path))
    for path in ["scenarios[0].title", "scenarios[0].product", "scenarios[0].rubric"]:
        add(f"{path} removed", False, deleter(path))

    def duplicate(list_path: str) -> Callable[[dict], None]:
        def change(data: dict) -> None:
            target = data
            for step in _steps(list_path):
                target = target[step]
            target.append(copy.deepcopy(target[0]))

        return change

    for path in ["products", "cross_sells", "rubrics", "rubrics[0].criteria", "scenarios"]:
        add(f"{path}[0] listed twice", False, duplicate(path))

    def same_as_product(data: dict) -> None:
        data["scenarios"][0]["cross_sell"] = data["scenarios"][0]["product"]

    def self_pair(data: dict) -> None:
        data["cross_sells"][0]["to"] = data["cross_sells"][0]["from"]

    def too_many(path: str, limit: int) -> Callable[[dict], None]:
        def change(data: dict) -> None:
            first = data[path][0]
            data[path] = [{**first, "key": f"{path[:4]}-{n}"} for n in range(limit + 1)]

        return change

    def twenty_one_criteria(data: dict) -> None:
        first = data["rubrics"][0]["criteria"][0]
        data["rubrics"][0]["criteria"] = [{**first, "key": f"c{n}"} for n in range(21)]

    add("scenario cross-sells its own product", False, same_as_product)
    add("cross-sell from a product to itself", False, self_pair)
    add("2,001 scenarios", False, too_many("scenarios", 2000))
    add("2,001 products", False, too_many("products", 2000))
    add("501 rubrics", False, too_many("rubrics", 500))
    add("21 criteria", False, twenty_one_criteria)
    add("nothing but an empty mapping", False, lambda d: d.clear())

    # Changes the format allows: these must import.
    allowed = {
        "pack.key": ["my-shop.v2_final"],
        "pack.name": ["N" * 200, "Scénarios de la boutique — été"],
        "pack.version": [1_000_000_000, 7],
        "pack.description": ["D" * 4000],
        "pack.author": ["Maria, regional trainer"],
        "products[0].name": ["Petit-déjeuner 🥐"],
        "products[0].category": ["", None],  # an empty optional field is left out
        "scenarios[0].prep_seconds": [0, 3600, None],
        "cross_sells[0].why": ["W" * 2000],
        "rubrics[0].criteria[0].weight": [0.5, 100, 1e-3],
        "rubrics[0].criteria[0].max_score": [1, 100],
        "rubrics[0].criteria[0].description": ["D" * 2000],
        "scenarios[0].title": ["T" * 200, "日本語のタイトル"],
        "scenarios[0].talking_points": [[f"Point {n}" for n in range(20)]],
        "scenarios[0].keywords.mention": [[f"k{n}" for n in range(30)]],
        "scenarios[0].tags": [[f"t{n}" for n in range(20)]],
        "scenarios[0].difficulty": ["hard"],
        "scenarios[0].max_answer_seconds": [5, 3600],
        "scenarios[0].allowed_attempts": [1, 100],
        "scenarios[1].prompt_media": [MEDIA[0]],  # two scenarios share one file
    }
    for path, values in allowed.items():
        for value in values:
            add(f"{path} = {_short(value)}", True, setter(path, value))
    optional = ["cross_sells", "products[0].category"]
    optional += ["products[0].description", "cross_sells[0].why"]
    optional += ["rubrics[0].criteria[0].description", "scenarios[0].keywords"]
    optional += ["scenarios[0].tags", "scenarios[0].difficulty", "scenarios[0].prep_seconds"]
    optional += ["scenarios[0].max_answer_seconds", "scenarios[0].allowed_attempts"]
    optional += ["scenarios[0].prompt_media"]
    for path in optional:
        add(f"optional {path} removed", True, deleter(path))
    add("no scenarios at all", True, setter("scenarios", []))
    add("scenarios in reverse order", True, lambda d: d["scenarios"].reverse())
    add("fields in reverse order", True, lambda d: _reverse_fields(d))
    return variants


def text_variants(base: Base) -> list[Variant]:
    """Changes to pack.yaml's text: YAML tricks, encodings, syntax."""
    text = base.text
    title = "  title: "
    at = text.index(title)  # the first scenario's title
    line_end = text.index("\n", at)

    def insert_before_title(extra: str) -> str:
        return text[:at] + extra + text[at:]

    def title_as(value: str) -> str:
        return text[:at] + title + value + text[line_end:]

    bomb = ['lol: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n, name in enumerate("bcdefghi"):
        bomb.append(f"{name}: &{name} [" + ",".join([f"*{'abcdefghi'[n]}"] * 9) + "]")
    refused = {
        "field listed twice": insert_before_title("  title: First title\n"),
        "billion laughs": text + "\n".join(bomb) + "\n",
        "one anchor and alias": text.replace(
            "format: crosscoach-pack", "format: &f crosscoach-pack\nalias: *f", 1
        ),
        "python object tag": title_as("!!python/object/apply:os.system ['touch pwned']"),
        "python name tag": title_as("!!python/name:os.system ''"),
        "explicit str tag": title_as("!!str A title"),
        "custom tag": title_as("!custom A title"),
        "binary tag": title_as("!!binary aGVsbG8="),
        "set tag": title_as("!!set {a, b}"),
        "merge key": insert_before_title("  <<: {title: Merged}\n"),
        "value key": insert_before_title("  =: x\n"),
        "13 levels deep": text + "deep: " + "[" * 13 + "]" * 13 + "\n",
        "two documents": text + "---\nformat: crosscoach-pack\n",
        "unclosed quote": title_as('"never closed'),
        "unclosed bracket": title_as("[a, b"),
        "tab indentation": text.replace("\n  title: ", "\n\ttitle: ", 1),
        "bad indentation": text.replace("\n  title: ", "\n     title: ", 1),
        "title is a date": title_as("2026-11-30"),
        "title is yes": title_as("yes"),
        "title is null": title_as("~"),
        "title is a number": title_as("3.14"),
        "impossible date": title_as("2026-02-30"),
        "impossible date as field name": insert_before_title("  2026-02-30: x\n"),
        "hex number with 5,000 digits": title_as("0x" + "f" * 5000),
        "raw control character": title_as("bell \a here"),
        "NUL character": title_as("nul\x00here"),
        "empty file": "",
        "only a comment": "# nothing here\n",
        "a plain scalar": "crosscoach-pack\n",
        "a list at the top": "- format: crosscoach-pack\n",
        "over 2 MiB": text + "# " + "x" * (2 * 1024 * 1024) + "\n",
        "field name is a list": insert_before_title("  ? [a, b]\n  : x\n"),
    }
    variants = [
        Variant(f"text: {name}", False, with_manifest(base, manifest))
        for name, manifest in refused.items()
    ]
    raw_refused = {
        "invalid UTF-8 byte": text.encode().replace(b"title: ", b"title: \xff", 1),
        "UTF-16": text.encode("utf-16"),
        "Latin-1 accents": text.replace("title: ", "title: Café ", 1).encode("latin-1", "replace"),
        "cut in the middle of a character": text.encode()[:-1] + "é".encode()[:1],
    }
    variants += [
        Variant(f"bytes: {name}", False, with_manifest(base, raw))
        for name, raw in raw_refused.items()
    ]
    allowed = {
        "byte-order mark": b"\xef\xbb\xbf" + text.encode(),
        "Windows line endings": text.replace("\n", "\r\n").encode(),
        "comments everywhere": text.replace("\n  title: ", "  # a comment\n  title: ").encode(),
        "document markers": ("---\n" + text + "...\n").encode(),
        "flow style": _dump(base.data, default_flow_style=True).encode(),
        "JSON": json.dumps(base.data, ensure_ascii=False).encode(),
        "four-space indent": _dump(base.data, indent=4).encode(),
        "quoted title": title_as('"A quoted title"').encode(),
        "folded title": title_as(">-\n    A folded\n    title").encode(),
        "format version written in hex": text.replace("version: 1\n", "version: 0x1\n", 1).encode(),
        "trailing spaces": text.replace("\n", "   \n").encode(),
    }
    variants += [
        Variant(f"text: {name}", True, with_manifest(base, raw)) for name, raw in allowed.items()
    ]
    return variants


# Zip mutations ------------------------------------------------------------------------


def zip_variants(base: Base) -> list[Variant]:
    raw, layout = base.raw, zip_layout(base.raw)
    variants = [
        Variant(f"truncated to {size} bytes", False, with_bytes(raw[:size]))
        for size in sorted({len(raw) * n // 40 for n in range(40)} | {len(raw) - 1})
    ]
    for name, entry in layout.items():
        span = entry.end - entry.data
        for n in range(1, 8 if name == "pack.yaml" else 5):
            offset = entry.data + span * n // 8
            variants.append(
                Variant(f"{name}: byte {offset} flipped", False, with_bytes(flipped(raw, offset)))
            )
        for what, offset in [
            ("local header signature", entry.local),
            ("CRC", entry.central + CENTRAL_CRC),
            ("last letter of its name", entry.central + CENTRAL_SIZE + len(name) - 1),
        ]:
            variants.append(
                Variant(f"{name}: {what} flipped", False, with_bytes(flipped(raw, offset)))
            )
        changes = {
            "marked encrypted": (entry.central + CENTRAL_FLAGS, b"\x01\x00"),
            "compressed with Deflate64": (entry.central + CENTRAL_METHOD, b"\x09\x00"),
            "compressed with AES": (entry.central + CENTRAL_METHOD, b"\x63\x00"),
            "declared 10 bytes long": (entry.central + CENTRAL_USIZE, (10).to_bytes(4, "little")),
            "declared 300 MiB long": (
                entry.central + CENTRAL_USIZE,
                (300 << 20).to_bytes(4, "little"),
            ),
            "declared a byte longer": (
                entry.central + CENTRAL_USIZE,
                (_usize(raw, entry) + 1).to_bytes(4, "little"),
            ),
            "name length off by one": (
                entry.central + CENTRAL_NAME_LEN,
                (len(name.encode()) - 1).to_bytes(2, "little"),
            ),
        }
        for what, change in changes.items():
            variants.append(Variant(f"{name}: {what}", False, with_bytes(patched(raw, change))))
        variants.append(Variant(f"{name} listed twice", False, with_duplicate(base, name)))
        rest = {n: b for n, b in base.files.items() if n != name}
        variants.append(Variant(f"{name} left out", False, with_files(rest)))
    eocd = raw.rindex(b"PK\x05\x06")
    variants.append(Variant("end record signature flipped", False, with_bytes(flipped(raw, eocd))))
    variants.append(Variant("not a zip at all", False, with_bytes(b"PK" + b"\x00" * 100)))

    refused_entries = {
        "../escape.txt": b"x",
        "/etc/cron.d/job": b"x",
        "C:/Windows/evil.dll": b"x",
        "media\\evil.bat": b"x",
        "other/pack.yaml": base.files["pack.yaml"],  # two packs in one zip
    }
    for name, data in refused_entries.items():
        variants.append(
            Variant(f"extra entry {name}", False, with_files({**base.files, name: data}))
        )
    link = zipfile.ZipInfo("media/link.m4a")
    link.create_system, link.external_attr = 3, (stat.S_IFLNK | 0o777) << 16
    variants.append(Variant("extra link entry", False, with_entry(base, link, b"/etc/shadow")))
    without_media = {n: b for n, b in base.files.items() if n != MEDIA[0]}
    variants.append(
        Variant("media entry is a folder", False, _with_folder(without_media, MEDIA[0]))
    )
    many = {**base.files, **{f"extra/{n}.txt": b"" for n in range(2000)}}
    variants.append(Variant("2,003 entries", False, with_files(many, zipfile.ZIP_STORED)))
    nested = {f"a/b/{n}": data for n, data in base.files.items()}
    variants.append(Variant("pack two folders deep", False, with_files(nested)))

    allowed = {
        "stored, not compressed": with_files(base.files, zipfile.ZIP_STORED),
        "bzip2": with_files(base.files, zipfile.ZIP_BZIP2),
        "lzma": with_files(base.files, zipfile.ZIP_LZMA),
        "inside one folder": with_files({f"outdoor/{n}": d for n, d in base.files.items()}),
        "extra README": with_files({**base.files, "README.txt": b"read me"}),
        "macOS resource forks": with_files({**base.files, "__MACOSX/._pack.yaml": b"\x00\x05"}),
        "a pack.yaml two folders down": with_files({**base.files, "old/v1/pack.yaml": b"junk"}),
        "entries in reverse order": with_files(dict(reversed(base.files.items()))),
        "archive comment": with_bytes(_with_comment(raw, b"made on Maria's laptop")),
    }
    variants += [Variant(f"zip: {name}", True, make) for name, make in allowed.items()]
    return variants


def name_variants(base: Base) -> list[Variant]:
    """The first media file renamed, in its entry and in pack.yaml alike."""
    e = "é"
    names = {
        "média/clïent.m4a": True,
        "顧客/お客様の声.m4a": True,
        "media/" + "a" * 245 + ".m4a": True,  # 255 characters, the longest path
        "media/" + e * 125 + "x.m4a": True,  # 255 bytes in one name
        "media/" + e * 126 + ".m4a": False,  # 256 bytes
        "media/" + e * 200 + ".m4a": False,  # 404 bytes, 211 characters
        "media/" + "a" * 246 + ".m4a": False,  # 256 characters
        "media/why?.m4a": False,
        "media/star*.m4a": False,
        "media/a<b.m4a": False,
        "media/a>b.m4a": False,
        "media/a|b.m4a": False,
        'media/"quoted".m4a': False,
        "media/a:b.m4a": False,
        "media/CON.m4a": False,
        "media/nul.wav": False,
        "media/COM1.mp3": False,
        "media/lpt9.ogg": False,
        "media/trailing./x.m4a": False,
        "media/trailing /x.m4a": False,
        "media/tab\there.m4a": False,
        "media/delete\x7f.m4a": False,
    }
    variants = []
    for name, valid in names.items():
        files = _renamed(base, name)
        variants.append(Variant(f"media named {_short(name)}", valid, with_files(files)))
    # Names stored in the zip's bytes otherwise than as pack.yaml's UTF-8 says.
    files = _renamed(base, "media/clïent.m4a")
    marked = _zip_bytes(files).replace("clïent.m4a".encode(), b"cl\xff\xfeent.m4a")
    variants.append(Variant("media name marked UTF-8 but not", False, with_bytes(marked)))
    files["media/clXent.m4a"] = files.pop("media/clïent.m4a")
    old = _zip_bytes(files).replace(b"clXent.m4a", "clïent.m4a".encode("cp1252"))
    variants.append(Variant("media name in an old code page", False, with_bytes(old)))
    return variants


def _renamed(base: Base, name: str) -> dict[str, bytes]:
    """The export's files with the first media file renamed to ``name``, in pack.yaml too."""
    data = base.data
    data["scenarios"][0]["prompt_media"] = name
    files = {"pack.yaml": _dump(data).encode(), name: base.files[MEDIA[0]]}
    return {**files, MEDIA[1]: base.files[MEDIA[1]]}


def folder_variants(base: Base) -> list[Variant]:
    def unpacked(change: Callable[[Path], None]) -> Callable[[Path], Path]:
        def make(folder: Path) -> Path:
            root = folder / "pack"
            for name, data in base.files.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_bytes(data)
            change(root)
            return root

        return make

    def relink(target: Callable[[Path], Path]) -> Callable[[Path], None]:
        def change(root: Path) -> None:
            (root / MEDIA[0]).unlink()
            (root / MEDIA[0]).symlink_to(target(root))

        return change

    def outside(root: Path) -> Path:
        (root.parent / "outside.m4a").write_bytes(b"not yours")
        return root.parent / "outside.m4a"

    def inside(root: Path) -> Path:
        (root / "media" / "shared.m4a").write_bytes(base.files[MEDIA[0]])
        return Path("shared.m4a")

    def replace_with(kind: str) -> Callable[[Path], None]:
        def change(root: Path) -> None:
            (root / MEDIA[0]).unlink()
            if kind == "folder":
                (root / MEDIA[0]).mkdir()
            elif kind == "pipe":
                os.mkfifo(root / MEDIA[0])

        return change

    return [
        Variant("folder: as exported", True, unpacked(lambda root: None)),
        Variant("folder: media is a link inside the pack", True, unpacked(relink(inside))),
        Variant("folder: media is a link outside the pack", False, unpacked(relink(outside))),
        Variant(
            "folder: media is a link to nothing", False, unpacked(relink(lambda r: r / "gone"))
        ),
        Variant("folder: media is a folder", False, unpacked(replace_with("folder"))),
        Variant("folder: media is a named pipe", False, unpacked(replace_with("pipe"))),
        Variant("folder: media is missing", False, unpacked(replace_with("missing"))),
    ]


# The run ------------------------------------------------------------------------------


def test_every_malformed_variant_is_refused_cleanly_and_every_good_one_imports(
    base, trainer_ctx, tmp_path
):
    variants = [
        *data_variants(base),
        *text_variants(base),
        *zip_variants(base),
        *name_variants(base),
        *folder_variants(base),
    ]
    failures = []
    for n, variant in enumerate(variants):
        folder = tmp_path / f"v{n:03}"
        folder.mkdir()
        path = variant.make(folder)
        before, media_before = dump_database(trainer_ctx), _media(trainer_ctx)
        validated = _outcome(path, lambda p: read_pack(p).source.close())
        imported = _outcome(path, lambda p: import_pack(trainer_ctx, p))
        expected = "valid" if variant.valid else "refused"
        problem = None
        if "crash" in validated or "crash" in imported:
            problem = f"crashed: validate {validated}, import {imported}"
        elif (validated, imported) != (expected, expected):
            problem = f"expected {expected}; validate said {validated}, import {imported}"
        elif not variant.valid and dump_database(trainer_ctx) != before:
            problem = "the refused import changed the library"
        elif not variant.valid and _media(trainer_ctx) != media_before:
            problem = "the refused import changed the media store"
        if problem:
            failures.append(f"{variant.name}: {problem}")

    valid = sum(v.valid for v in variants)
    print(f"\n{len(variants)} variants: {valid} valid, {len(variants) - valid} refused")
    assert failures == []
    assert len(variants) >= 150 and valid >= 30 and len(variants) - valid >= 150


@settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    changes=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), min_size=1, max_size=4
    )
)
def test_bytes_changed_anywhere_never_crash_and_validate_agrees_with_import(
    base, trainer_ctx, tmp_path_factory, changes
):
    """No oracle here: a change in a date or an unused field may leave a good zip. What
    must hold for any change is no crash, validate and import giving the same answer, and
    a refusal changing nothing."""
    raw = patched(base.raw, *((int(at * len(base.raw)), bytes([value])) for at, value in changes))
    path = tmp_path_factory.mktemp("changed") / "pack.zip"
    path.write_bytes(raw)
    before = dump_database(trainer_ctx)
    validated = _outcome(path, lambda p: read_pack(p).source.close())
    imported = _outcome(path, lambda p: import_pack(trainer_ctx, p))
    assert validated == imported and validated in ("valid", "refused"), (validated, imported)
    if validated == "refused":
        assert dump_database(trainer_ctx) == before


def _outcome(path: Path, action: Callable[[Path], object]) -> str:
    """valid, refused, or what went wrong: a crash or a refusal that names no file."""
    try:
        action(path)
    except PackInvalid as err:
        named = all(p.file.startswith(str(path)) and p.message for p in err.problems)
        return "refused" if err.problems and named else f"refused without naming the file: {err}"
    except UserError as err:
        return f"refused, but not as a pack problem: {err}"
    except Exception as exc:  # the thing this test looks for
        return f"crash ({type(exc).__name__}: {exc})"
    return "valid"


def _media(ctx) -> list[Path]:
    return sorted(ctx.paths.media.rglob("*"))


def _steps(path: str) -> list:
    """'scenarios[0].title' -> ['scenarios', 0, 'title']."""
    steps = []
    for part in path.split("."):
        name, _, index = part.partition("[")
        if name:
            steps.append(name)
        if index:
            steps.append(int(index.rstrip("]")))
    return steps


def _join(path: str, field: str) -> str:
    return f"{path}.{field}" if path else field


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _reverse_fields(data):
    if isinstance(data, dict):
        items = list(data.items())
        data.clear()
        data.update((k, _reverse_fields(v)) for k, v in reversed(items))
    elif isinstance(data, list):
        data[:] = [_reverse_fields(v) for v in data]
    return data


def _usize(raw: bytes, entry) -> int:
    return int.from_bytes(
        raw[entry.central + CENTRAL_USIZE : entry.central + CENTRAL_USIZE + 4], "little"
    )


def _with_comment(raw: bytes, comment: bytes) -> bytes:
    eocd = raw.rindex(b"PK\x05\x06")
    return raw[: eocd + 20] + len(comment).to_bytes(2, "little") + comment


def _with_folder(files: dict[str, bytes], name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = zip_files(folder / "pack.zip", files)
        with zipfile.ZipFile(path, "a") as zf:
            zf.mkdir(name)
        return path

    return make


def _zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip of ``files`` with nothing compressed, so names can be patched in its bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()
