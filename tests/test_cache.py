"""The on-disk cache changes nothing but the time: warm and edited builds equal cold builds byte
for byte, an edit re-renders exactly the outputs that read what changed, and a damaged or stale
cache is ignored."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import shutil
import sys
import time
import types
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import generator.build
import generator.config
import generator.site
from generator import seal
from generator.build import BuildResult, BuildState, build, build_to
from generator.cli import main
from generator.config import BuildOptions
from generator.errors import CasefolioError
from generator.incremental import cache
from generator.output.routes import routes
from generator.output.writer import write_site
from tests.conftest import REPO, write_files

sys.path.insert(0, str(REPO / "bench"))
from gen_site import generate

STUDIES = 24


@dataclass
class Built:
    result: BuildResult
    rendered: set[str]   # route outputs rendered by this build (not taken from the cache)
    reparsed: int        # documents parsed by this build (not taken from the cache)


def cached_build(site: Path, out: Path) -> Built:
    """What `casefolio build` does with the cache: load it, build, write, save it."""
    documents, outputs = cache.load(site, out)
    state = BuildState(documents=dict(documents), outputs=dict(outputs))
    result = build(site, state=state)
    write_site(result.outputs, out)
    cache.save(site, state.documents, state.outputs, out)
    route_paths = {r.path for r in routes(result.site)}
    rendered = {o.path for o in result.outputs
                if o.path in route_paths and outputs.get(o.path) is not o}
    reparsed = sum(1 for key, doc in state.documents.items() if documents.get(key) is not doc)
    return Built(result, rendered, reparsed)


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def cold_tree(site: Path, tmp_path: Path) -> dict[str, str]:
    """The output of a cold build of a copy of the site (no cache, fresh output folder)."""
    copy = tmp_path / "cold-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".casefolio", "output"))
    result = build(copy)
    write_site(result.outputs, tmp_path / "cold-out")
    found = tree(tmp_path / "cold-out")
    shutil.rmtree(tmp_path / "cold-out")
    return found


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate(tmp_path_factory.mktemp("gen") / "site", STUDIES, seed=7)


@pytest.fixture(scope="module")
def pristine(generated: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The cold build of the generated site, unedited."""
    return cold_tree(generated, tmp_path_factory.mktemp("pristine"))


@pytest.fixture
def site(generated: Path, tmp_path: Path) -> Path:
    """A generated site with a warm cache and its output already built."""
    copy = tmp_path / "site"
    shutil.copytree(generated, copy)
    cached_build(copy, copy / "output")
    return copy


def test_warm_build_renders_and_parses_nothing_and_writes_the_same_bytes(site: Path) -> None:
    out = site / "output"
    before = tree(out)
    warm = cached_build(site, out)
    assert warm.rendered == set() and warm.result.rendered == 0
    assert warm.reparsed == 0
    assert tree(out) == before


def test_cold_and_warm_builds_are_byte_identical(site: Path, pristine) -> None:
    cached_build(site, site / "output")
    assert tree(site / "output") == pristine


def test_editing_a_cited_case_study_rerenders_exactly_its_readers(site: Path,
                                                                    tmp_path: Path) -> None:
    studies = sorted((site / "content" / "case-studies").glob("*.md"))
    # coll-000 cites the first case study in its intro; find a case study that links to it too.
    cited = studies[0].stem
    assert f"../case-studies/{cited}.md" in (site / "content/practices/coll-000.md").read_text()
    citing = [p.stem for p in studies if f"../case-studies/{cited}.md" in p.read_text()]
    assert citing, "the generator always links each case study from another"
    with studies[0].open("a", encoding="utf-8") as f:
        f.write("\nA new closing paragraph.\n")

    edited = cached_build(site, site / "output")

    # A body edit changes the page itself, not its card: pages that only link to it or list
    # it (they read `card:<id>`) keep their bytes.
    readers = {r.path for r in routes(edited.result.site) if f"case-studies/{cited}" in r.reads}
    assert edited.rendered == readers == {f"case-studies/{cited}/index.html"}
    assert edited.reparsed == 1
    assert tree(site / "output") == cold_tree(site, tmp_path)

    # A title edit changes the card: every page showing or linking to it is rendered again.
    text = studies[0].read_text(encoding="utf-8")
    studies[0].write_text(text.replace("title: ", "title: Renamed ", 1), encoding="utf-8")
    retitled = cached_build(site, site / "output")
    card_readers = {r.path for r in routes(retitled.result.site)
                    if f"card:case-studies/{cited}" in r.reads}
    assert retitled.rendered == card_readers | {f"case-studies/{cited}/index.html"}
    assert {"practices/coll-000/index.html", *(f"case-studies/{c}/index.html" for c in citing)
            } <= retitled.rendered
    unrelated = [p.stem for p in studies
                 if f"case-studies/{p.stem}/index.html" not in retitled.rendered]
    assert unrelated, "some case study page does not show the edited one"
    assert tree(site / "output") == cold_tree(site, tmp_path)


def test_editing_a_template_rerenders_only_the_pages_that_use_it(site: Path,
                                                                  tmp_path: Path) -> None:
    theme_tag = REPO / "themes" / "default" / "templates" / "tag.html"
    override = site / "templates" / "tag.html"
    override.parent.mkdir()
    override.write_text(theme_tag.read_text(encoding="utf-8") + "<!-- edited -->\n",
                        encoding="utf-8")

    edited = cached_build(site, site / "output")

    tag_pages = {r.path for r in routes(edited.result.site) if r.template == "tag.html"}
    assert tag_pages and edited.rendered == tag_pages
    assert edited.reparsed == 0
    assert tree(site / "output") == cold_tree(site, tmp_path)


def test_editing_site_yaml_rerenders_every_page_but_parses_nothing(site: Path,
                                                                    tmp_path: Path) -> None:
    yaml = site / "site.yaml"
    yaml.write_text(yaml.read_text().replace("flat-fee services", "fixed-fee services"))

    edited = cached_build(site, site / "output")

    assert edited.rendered == {r.path for r in routes(edited.result.site)}
    assert edited.reparsed == 0
    assert tree(site / "output") == cold_tree(site, tmp_path)


def test_a_setting_that_changes_markdown_reparses_every_document(site: Path,
                                                                 tmp_path: Path) -> None:
    yaml = site / "site.yaml"
    yaml.write_text(yaml.read_text().replace("raw_html: true", "raw_html: false"))

    edited = cached_build(site, site / "output")

    assert edited.reparsed == documents_in(edited)
    assert tree(site / "output") == cold_tree(site, tmp_path)


def test_an_output_file_changed_by_hand_is_rendered_and_written_again(site: Path,
                                                                      pristine) -> None:
    out = site / "output"
    assert tree(out) == pristine
    page = out / "services" / "checkout-sprint" / "index.html"
    page.write_text("tampered", encoding="utf-8")

    again = cached_build(site, out)

    assert again.rendered == {"services/checkout-sprint/index.html"}
    assert tree(out) == pristine


def test_another_output_folder_reuses_documents_but_renders_everything(site: Path) -> None:
    other = cached_build(site, site.parent / "elsewhere")
    assert other.reparsed == 0
    assert other.rendered == {r.path for r in routes(other.result.site)}
    assert tree(site.parent / "elsewhere") == tree(site / "output")


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _garbage(data: bytes) -> bytes:
    return bytes(range(256)) * 40


def _wrong_version(data: bytes) -> bytes:
    magic, env, rest = data.split(b" ", 2)
    return magic + b" " + b"0" * len(env) + b" " + rest


def _flipped_byte(data: bytes) -> bytes:
    at = len(data) - 10
    return data[:at] + bytes([data[at] ^ 0x40]) + data[at + 1:]


def _old_format(data: bytes) -> bytes:
    return data.replace(cache.MAGIC, b"casefolio-cache-1", 1)


def _wrong_shape(data: bytes) -> bytes:
    import pickle
    import zlib

    payload = pickle.dumps(["not", "a", "cache"])
    return b"%s %s %s %08x %d\n" % (cache.MAGIC, cache.environment().encode(), b"0" * 32,
                                     zlib.crc32(payload), len(payload)) + payload


DAMAGES = [_truncate, _garbage, _wrong_version, _flipped_byte, _old_format, _wrong_shape,
           lambda data: b""]
DAMAGE_IDS = ["truncated", "garbage", "wrong-version", "flipped-byte", "old-format",
              "wrong-shape", "empty"]


def cache_files(site: Path) -> list[Path]:
    return sorted(p for p in cache.cache_dir(site).iterdir() if p.suffix == ".pickle")


@pytest.mark.parametrize("damage", DAMAGES, ids=DAMAGE_IDS)
def test_a_damaged_cache_is_ignored(site: Path, pristine, damage) -> None:
    for path in cache_files(site):
        path.write_bytes(damage(path.read_bytes()))
    assert cache.load(site, site / "output") == ({}, {})

    rebuilt = cached_build(site, site / "output")

    assert rebuilt.rendered == {r.path for r in routes(rebuilt.result.site)}
    assert rebuilt.reparsed == documents_in(rebuilt)
    assert tree(site / "output") == pristine
    documents, outputs = cache.load(site, site / "output")
    assert len(documents) == rebuilt.reparsed and outputs, "a good cache is written again"


@pytest.mark.parametrize("damage", [_truncate, _flipped_byte], ids=["truncated", "flipped"])
def test_one_damaged_shard_costs_only_its_documents(site: Path, pristine, damage) -> None:
    documents, _ = cache.load(site, site / "output")
    shard = cache.cache_dir(site) / "documents-03.pickle"
    shard.write_bytes(damage(shard.read_bytes()))
    in_shard = sum(1 for key in documents if cache._shard(key[0]) == 3)
    assert in_shard

    rebuilt = cached_build(site, site / "output")

    assert rebuilt.reparsed == in_shard
    assert rebuilt.rendered == set()
    assert tree(site / "output") == pristine
    assert len(cache.load(site, site / "output")[0]) == len(documents)


def test_deleting_the_cache_is_safe(site: Path, pristine) -> None:
    shutil.rmtree(site / ".casefolio")
    again = cached_build(site, site / "output")
    assert again.reparsed == documents_in(again)
    assert tree(site / "output") == pristine


def test_the_cache_is_written_atomically_and_ignored_by_git(site: Path) -> None:
    names = sorted(p.name for p in cache.cache_dir(site).iterdir())
    assert names == sorted([cache.OUTPUTS, *(f"documents-{n:02d}.pickle"
                                             for n in range(cache.SHARDS))])  # no temp files
    assert (site / ".casefolio" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_a_warm_build_rewrites_no_document_shard_and_an_edit_one(site: Path) -> None:
    def stamps() -> dict[str, int]:
        return {p.name: p.stat().st_mtime_ns for p in cache_files(site)}

    before = stamps()
    cached_build(site, site / "output")
    assert {n: t for n, t in stamps().items() if n != cache.OUTPUTS} == {
        n: t for n, t in before.items() if n != cache.OUTPUTS}
    study = sorted((site / "content" / "case-studies").glob("*.md"))[5]
    with study.open("a", encoding="utf-8") as f:
        f.write("\nMore.\n")
    cached_build(site, site / "output")
    changed = {n for n, t in stamps().items() if before[n] != t} - {cache.OUTPUTS}
    assert changed == {f"documents-{cache._shard(study.relative_to(site).as_posix()):02d}.pickle"}


def test_documents_round_trip_through_the_cache(site: Path) -> None:
    from generator.build import BuildState as State

    documents, _ = cache.load(site, site / "output")
    state = State()
    build(site, state=state)
    assert documents == state.documents


def test_a_new_library_version_makes_the_cache_stale(site: Path, monkeypatch) -> None:
    from importlib import metadata

    real = metadata.version
    monkeypatch.setattr(cache.metadata, "version",
                        lambda name: "99.0" if name == "markdown-it-pyrs" else real(name))
    cache.environment.cache_clear()  # (worked out once per process: a real upgrade restarts)
    try:
        assert cache.load(site, site / "output") == ({}, {})
    finally:
        monkeypatch.undo()
        cache.environment.cache_clear()


def test_casefolio_build_keeps_and_uses_the_cache(generated: Path, tmp_path: Path,
                                                   pristine) -> None:
    site = tmp_path / "fresh"
    shutil.copytree(generated, site)
    cold = build_to(site, site / "output")
    assert cold.rendered == len(routes(cold.site))
    assert cache.load(site, site / "output")[0], "build_to saved the cache"
    warm = build_to(site, site / "output")
    assert warm.rendered == 0
    assert tree(site / "output") == pristine


def documents_in(built: Built) -> int:
    """How many content files the site holds (fingerprints also cover cards, images, orders,
    ranking and related-studies records)."""
    return sum(1 for i in built.result.site.fingerprints
               if not i.startswith(("card:", "image:", "order:", "rank:", "related:")))


# --- `casefolio build` when nothing changed: nothing parsed, rendered or written ------------

TODAY = dt.datetime.now(dt.UTC).date()
EXTRA = {  # besides the generated site: a draft, a study dated tomorrow, a warning, overrides
    "content/case-studies/secret.md": "---\ntitle: Secret\ndate: 2025-01-02\nsummary: S.\n"
                                      "client: Acme\nniche: ecommerce\ndraft: true\n---\nBody.\n",
    "content/case-studies/tomorrow.md": f"---\ntitle: Tomorrow\ndate: {TODAY + dt.timedelta(1)}"
                                        "\nsummary: S.\nclient: Acme\nniche: ecommerce\n---\nB.\n",
    "content/notes.md": "A Markdown file outside the content folders: a warning.\n",
    "static/humans.txt": "Made by people.\n",
    "templates/tag.html": (REPO / "themes/default/templates/tag.html").read_text("utf-8")
    + "<!-- the site's own -->\n",
}


def aged(site: Path) -> Path:
    """Input files modified in the last seconds, as if a minute ago: long enough for their
    stat to be trusted (a file modified within RACY_NS of a build is never stamped)."""
    now = time.time()
    for path in site.rglob("*"):
        if (path.is_file() and path.relative_to(site).parts[0] not in ("output", ".casefolio")
                and path.stat().st_mtime > now - 30):
            os.utime(path, (now - 60, now - 60))
    return site


@pytest.fixture
def stamped(generated: Path, tmp_path: Path) -> Path:
    """A generated site (plus EXTRA), built once by `casefolio build`: the next is a no-op."""
    site = tmp_path / "stamped"
    shutil.copytree(generated, site)
    write_files(site, EXTRA)
    build_to(aged(site), site / "output")
    return site


def fresh_tree(site: Path, tmp_path: Path, options: BuildOptions = BuildOptions()) -> dict:
    """A cold build of a copy of the site with these options, into a new folder."""
    copy = tmp_path / "cold-copy"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns(".casefolio", "output"))
    build_to(copy, copy / "output", options)
    found = tree(copy / "output")
    shutil.rmtree(copy)
    return found


def test_an_untouched_site_is_up_to_date_and_nothing_is_done(stamped: Path,
                                                              monkeypatch) -> None:
    out = stamped / "output"
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")}
    first = build_to(stamped, out)                 # ...or the stamp from the fixture's build
    assert first.up_to_date
    monkeypatch.setattr(generator.build, "build", None)        # nothing parsed or rendered
    monkeypatch.setattr(generator.build, "write_site", None)   # nothing written
    again = build_to(stamped, out)
    assert again.up_to_date and again.site is None and again.rendered == 0
    assert again.pages == first.pages > STUDIES
    assert [w.message for w in again.warnings] == [w.message for w in first.warnings]
    assert any("outside the content folders" in w.message for w in again.warnings)
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in out.rglob("*")} == before


def test_the_command_says_so_and_repeats_the_warnings(stamped: Path) -> None:
    result = CliRunner().invoke(main, ["build", str(stamped)])
    assert result.exit_code == 0
    assert f"up to date: {build_to(stamped, stamped / 'output').pages} pages in" in result.output
    assert "(nothing changed)" in result.output and "content/notes.md" in result.output


def _touch(site: Path) -> None:
    study = sorted((site / "content/case-studies").glob("cs-*.md"))[3]
    os.utime(study, (time.time() - 30, time.time() - 30))  # same bytes, another mtime


def _flip_byte(rel: str) -> Callable[[Path], None]:
    def flip(site: Path) -> None:
        path = site / rel if "*" not in rel else sorted(site.glob(rel))[2]
        data = bytearray(path.read_bytes())
        at = data.rindex(b"e")  # a letter of the body, the last tag or comment
        data[at] = ord("E")
        path.write_bytes(bytes(data))
    return flip


def _delete_static(site: Path) -> None:
    (site / "static/humans.txt").unlink()


def _add_page(site: Path) -> None:
    (site / "content/pages/new.md").write_text("---\ntitle: New\nsummary: S.\n---\nNew.\n")


def _delete_output(site: Path) -> None:
    (site / "output/services" / next(iter(os.listdir(site / "output/services"))) /
     "index.html").unlink(missing_ok=True)
    next((site / "output/case-studies").glob("cs-*/index.html")).unlink()


CHANGES = {
    "mtime-only": _touch,
    "content-byte": _flip_byte("content/case-studies/cs-*.md"),
    "template-byte": _flip_byte("templates/tag.html"),
    "site-yaml-byte": _flip_byte("site.yaml"),
    "static-byte": _flip_byte("static/humans.txt"),
    "deleted-file": _delete_static,
    "added-file": _add_page,
    "deleted-output": _delete_output,
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_any_change_is_built_as_a_cold_build_would(stamped: Path, tmp_path: Path,
                                                   change) -> None:
    change(stamped)
    aged(stamped)  # old enough to be trusted: only the change itself may count
    result = build_to(stamped, stamped / "output")
    assert not result.up_to_date
    assert tree(stamped / "output") == fresh_tree(stamped, tmp_path)
    assert build_to(stamped, stamped / "output").up_to_date  # and stamped again


def test_a_foreign_file_in_the_output_is_never_up_to_date(stamped: Path,
                                                           tmp_path: Path) -> None:
    (stamped / "output/CNAME").write_text("www.example.com\n")
    with pytest.raises(CasefolioError, match="files the last build did not write"):
        build_to(stamped, stamped / "output")
    assert not build_to(stamped, stamped / "output", force=True).up_to_date
    assert tree(stamped / "output") == fresh_tree(stamped, tmp_path)


def test_a_case_study_is_published_when_its_day_comes(stamped: Path, tmp_path: Path,
                                                       monkeypatch) -> None:
    assert not (stamped / "output/case-studies/tomorrow").exists()

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:  # type: ignore[override]
            return dt.datetime.now(tz) + dt.timedelta(days=2)
    clock = types.SimpleNamespace(datetime=Later)
    monkeypatch.setattr(generator.config, "dt", clock)  # Config.today(): the one clock
    assert not build_to(stamped, stamped / "output").up_to_date
    assert (stamped / "output/case-studies/tomorrow/index.html").is_file()
    assert tree(stamped / "output") == fresh_tree(stamped, tmp_path)


@pytest.mark.parametrize("options", [BuildOptions(drafts=True), BuildOptions(future=True),
                                     BuildOptions(base_url="https://preview.example.org/")],
                         ids=["drafts", "future", "base-url"])
def test_other_options_are_another_build(stamped: Path, tmp_path: Path,
                                         options: BuildOptions) -> None:
    assert not build_to(stamped, stamped / "output", options).up_to_date
    assert tree(stamped / "output") == fresh_tree(stamped, tmp_path, options)
    assert build_to(stamped, stamped / "output", options).up_to_date
    assert not build_to(stamped, stamped / "output").up_to_date


def test_another_output_folder_or_library_version_is_another_build(stamped: Path,
                                                                   monkeypatch) -> None:
    assert not build_to(stamped, stamped / "elsewhere").up_to_date
    real = cache.metadata.version
    monkeypatch.setattr(cache.metadata, "version",
                        lambda name: "99.0" if name == "jinja2" else real(name))
    assert not build_to(stamped, stamped / "output").up_to_date


def test_a_file_modified_just_before_the_build_is_not_stamped(stamped: Path) -> None:
    """Its stat signature could stay the same through another edit (coarse timestamps)."""
    page = stamped / "content/pages" / sorted(os.listdir(stamped / "content/pages"))[0]
    page.write_text(page.read_text() + "\nMore.\n")
    assert not build_to(stamped, stamped / "output").up_to_date
    assert not build_to(stamped, stamped / "output").up_to_date  # still too recent
    aged(stamped)
    assert not build_to(stamped, stamped / "output").up_to_date
    assert build_to(stamped, stamped / "output").up_to_date


# --- a one-file edit reads one file -------------------------------------------------------------

def test_a_fresh_build_reads_only_the_files_that_changed(stamped: Path, monkeypatch) -> None:
    study = sorted((stamped / "content/case-studies").glob("cs-*.md"))[5]
    study.write_text(study.read_text() + "\nA new paragraph.\n")
    read: list[str] = []
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.is_relative_to(stamped) and self.relative_to(stamped).parts[0] not in (
                ".casefolio", "output"):
            read.append(self.relative_to(stamped).as_posix())
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = build_to(stamped, stamped / "output")
    # site.yaml: read by the check for changes, then by the build (a few hundred bytes)
    assert read == ["site.yaml", "site.yaml", study.relative_to(stamped).as_posix()]
    assert result.rendered == 1


def test_documents_parsed_again_read_their_text_then(stamped: Path, tmp_path: Path,
                                                      monkeypatch) -> None:
    """raw_html changes every document, so each is parsed again: its text, never read by the
    build that found it unchanged, is read then."""
    import generator.content.document

    yaml = stamped / "site.yaml"
    yaml.write_text(yaml.read_text().replace("raw_html: true", "raw_html: false"))
    late = []
    real = generator.content.document.text_of

    def text_of(source):
        late.append(source.text is None)
        return real(source)
    monkeypatch.setattr(generator.content.document, "text_of", text_of)
    monkeypatch.setenv("CASEFOLIO_PROCESSES", "1")  # parse here, where text_of is patched
    build_to(stamped, stamped / "output")
    assert len(late) > STUDIES and all(late)
    assert tree(stamped / "output") == fresh_tree(stamped, tmp_path)


def test_a_text_read_late_must_still_be_the_one_fingerprinted(tmp_path: Path) -> None:
    from generator.content.sources import Source, fingerprint, text_of

    path = tmp_path / "a.md"
    path.write_text("one")
    source = Source("pages", "content/pages/a.md", None, fingerprint(b"one"), str(path))
    assert text_of(source) == "one"
    path.write_text("two")
    with pytest.raises(CasefolioError, match="changed while the build was reading it"):
        text_of(source)


class _Planted:
    """A pickle that makes a folder when it is loaded: what a planted cache file could run."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return os.mkdir, (str(self.path),)


def _planted_files(folder: Path, proof: Path) -> None:
    """Every cache file replaced by one whose header and checksum are right for the payload."""
    import pickle
    import zlib

    payload = pickle.dumps(_Planted(proof))
    for path in sorted(folder.glob("*.pickle")):
        env = path.read_bytes().split(b" ")[2]  # what the file holds, kept as it was
        path.write_bytes(b"%s %s %s %08x %d\n" % (cache.MAGIC, cache.environment().encode(), env,
                                                   zlib.crc32(payload), len(payload)) + payload)


def test_a_planted_cache_is_never_unpickled(site: Path, pristine, tmp_path: Path) -> None:
    proof = tmp_path / "the-cache-ran-code"
    _planted_files(cache.cache_dir(site), proof)
    rebuilt = cached_build(site, site / "output")
    assert not proof.exists()
    assert rebuilt.reparsed == documents_in(rebuilt)
    assert tree(site / "output") == pristine


def test_a_cache_sealed_by_someone_else_is_not_trusted(site: Path, tmp_path: Path,
                                                        monkeypatch) -> None:
    """The key is the user's, kept outside every site: a cache committed to a repository or
    copied from another machine, sealed with another key (its key file beside it), is rebuilt;
    the same user's own cache, restored elsewhere as CI does, is trusted."""
    copy = tmp_path / "copy"
    shutil.copytree(site, copy, ignore=shutil.ignore_patterns("output"))
    assert cache.load(copy, copy / "output")[0] != {}  # restored by its owner: warm
    (copy / ".casefolio" / "key").write_bytes(seal.user_key_file().read_bytes())
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "someone-else"))
    assert cache.load(copy, copy / "output")[0] == {}


def test_a_built_sites_views_and_routes_round_trip_through_pickle(site: Path) -> None:
    """Views, results and routes pickle as their field values (generator/pickling.py), which
    the prose record relies on: every route of a built site comes back equal, the same
    bytes every time."""
    import pickle

    from generator.build import build
    from generator.incremental.state import BuildState

    state = BuildState()
    build(site, state=state)
    assert state.site is not None
    routes = state.site.routes
    data = pickle.dumps(routes, pickle.HIGHEST_PROTOCOL)
    assert pickle.loads(data) == routes
    assert pickle.dumps(routes, pickle.HIGHEST_PROTOCOL) == data


def test_a_record_its_constructor_cannot_rebuild_is_refused() -> None:
    import dataclasses

    from generator.pickling import pickled_by_fields

    @dataclasses.dataclass(frozen=True)
    class Derived:
        a: int
        b: int = dataclasses.field(init=False, default=0)

    with pytest.raises(TypeError):
        pickled_by_fields(Derived)
