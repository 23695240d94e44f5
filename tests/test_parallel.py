"""The process pool changes nothing but the time: the same Documents, problems and order as one
process, and a site built from them is byte-identical."""

from __future__ import annotations

import contextlib
import hashlib
import shutil
import sys
import threading
from pathlib import Path

import pytest

from generator import parallel, workers
from generator.build import BuildState, build
from generator.content.document import Document
from generator.content.sources import read_sources
from generator.kinds.registry import Registry
from generator.output.writer import write_site
from tests.conftest import REPO

sys.path.insert(0, str(REPO / "bench"))
from gen_site import generate

READING = Registry().reading(raw_html=True)
FOLDERS = Registry().folders

BROKEN = "---\ntitle: [unclosed\n---\nBody.\n"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ~200-case-study site, the size where the pool starts to pay."""
    return generate(tmp_path_factory.mktemp("gen") / "site", 200, seed=3)


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def test_pool_and_single_process_give_identical_documents(generated: Path) -> None:
    sources, _, _ = read_sources(generated, FOLDERS)
    single = parallel.load_all(sources, READING, {}, processes=1)
    pooled = parallel.load_all(sources, READING, {}, processes=2)
    assert len(pooled) == len(sources)
    assert all(isinstance(d, Document) for d in pooled)
    assert [d.rel for d in pooled] == [s.rel for s in sources]  # type: ignore[union-attr]
    assert pooled == single  # every field equal: meta, positions, html, toc, links...


def test_a_site_built_from_pooled_documents_is_byte_identical(generated: Path,
                                                              tmp_path: Path) -> None:
    single = build(generated)
    write_site(single.outputs, tmp_path / "single")

    sources, _, _ = read_sources(generated, FOLDERS)
    pooled = parallel.load_all(sources, READING, {}, processes=2)
    known = {(s.rel, s.fingerprint, READING.options): d
             for s, d in zip(sources, pooled, strict=True)}
    state = BuildState(documents=known)
    result = build(generated, state=state)
    assert all(state.documents[k] is known[k] for k in known)  # the pool's, not re-parsed
    write_site(result.outputs, tmp_path / "pooled")

    assert tree(tmp_path / "pooled") == tree(tmp_path / "single")


def test_problems_come_back_in_source_order(make_site) -> None:
    site = make_site({f"content/case-studies/broken-{i}.md": BROKEN for i in range(3)})
    sources, _, _ = read_sources(site, FOLDERS)
    single = parallel.load_all(sources, READING, {}, processes=1)
    pooled = parallel.load_all(sources, READING, {}, processes=2)
    assert pooled == single
    broken = [r for r in pooled if isinstance(r, list)]
    assert len(broken) == 3
    assert [p[0].path for p in broken] == [f"content/case-studies/broken-{i}.md"
                                           for i in range(3)]


def test_known_documents_are_reused_and_small_batches_stay_in_process(make_site,
                                                                      monkeypatch) -> None:
    sources, _, _ = read_sources(make_site(), FOLDERS)
    first = parallel.load_all(sources, READING, {})
    known = {(s.rel, s.fingerprint, READING.options): d
             for s, d in zip(sources, first, strict=True)}

    def no_pool(*args: object, **kwargs: object) -> None:
        raise AssertionError("a pool was started for a small batch")

    monkeypatch.setattr(parallel, "process_pool", no_pool)
    assert parallel.load_all(sources, READING, {}) == first
    again = parallel.load_all(sources, READING, known, processes=2)
    assert all(a is b for a, b in zip(again, first, strict=True))


def test_the_environment_can_force_or_forbid_the_pool(monkeypatch) -> None:
    monkeypatch.setenv("CASEFOLIO_PROCESSES", "3")
    assert workers.processes(1, parallel.MIN_PARALLEL) == 3
    monkeypatch.setenv("CASEFOLIO_PROCESSES", "1")
    assert workers.processes(10_000, parallel.MIN_PARALLEL) == 1
    monkeypatch.delenv("CASEFOLIO_PROCESSES")
    assert workers.processes(parallel.MIN_PARALLEL - 1, parallel.MIN_PARALLEL) == 1


def test_with_other_threads_running_workers_are_spawned_not_forked(generated: Path) -> None:
    sources, _, _ = read_sources(generated, FOLDERS)
    sources = sources[:40]
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert not workers.can_fork()
        pooled = parallel.load_all(sources, READING, {}, processes=2)
    finally:
        stop.set()
        thread.join()
    assert pooled == parallel.load_all(sources, READING, {}, processes=1)


def test_casefolio_build_with_and_without_the_pool_is_byte_identical(
        generated: Path, tmp_path: Path, monkeypatch) -> None:
    from generator.build import build_to

    outputs = {}
    for processes in ("1", "2"):
        monkeypatch.setenv("CASEFOLIO_PROCESSES", processes)
        site = tmp_path / f"site-{processes}"
        shutil.copytree(generated, site)
        build_to(site, site / "output")
        outputs[processes] = tree(site / "output")
    assert outputs["1"] == outputs["2"]


def test_pages_rendered_by_forked_workers_are_byte_identical(generated: Path) -> None:
    """render_all with a pool: every page's bytes and key as one process makes them, in
    route order; unchanged pages are still reused as they are."""
    from generator.build import theme_for
    from generator.output.render import render_routes

    state = BuildState()
    result = build(generated, state=state)
    site, routes = state.site.site, state.site.routes
    theme = theme_for(site.config, state)
    single = render_routes(routes, site, theme)
    remembered = theme.env.globals["remembered"]
    remembered._made.clear()
    pooled = parallel.render_all(routes, site, theme, processes=2)
    # the list pages were rendered here (their cards then stay remembered for serve's
    # rebuilds), the rest by the workers
    lists = [r for r in routes if parallel._lists(r)]
    assert 0 < len(lists) < len(routes) / 10
    assert sum(map(len, remembered._made.values())) > 0
    assert [(o.path, o.data, o.key) for o in pooled] == [(o.path, o.data, o.key)
                                                        for o in single]
    assert result.pages > 200
    previous = {o.path: o for o in single}
    again = parallel.render_all(routes, site, theme, previous, processes=2)
    assert all(a is previous[a.path] for a in again)


def test_a_template_error_in_a_worker_is_the_same_error(generated: Path, tmp_path: Path) -> None:
    """The first failing page in route order is reported, as one process would report it."""
    from generator.build import build as build_site_only
    from generator.errors import CasefolioError

    site = tmp_path / "site"
    shutil.copytree(generated, site)
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "case_study.html").write_text(
        "{% extends 'base.html' %}{% block main %}{{ page.title.nope() }}{% endblock %}",
        encoding="utf-8")
    errors = []
    for processes in ("1", "2"):
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("CASEFOLIO_PROCESSES", processes)
            with pytest.raises(CasefolioError) as caught:
                build_site_only(site)
            errors.append([p.format() for p in caught.value.problems])
    assert errors[0] == errors[1] and "case_study.html" in errors[0][0]


class _CountedForked(workers.Forked):  # type: ignore[type-arg]
    started = 0
    pids: list[int] = []

    def __init__(self, work) -> None:  # type: ignore[no-untyped-def]
        type(self).started += 1
        super().__init__(work)
        self.pids.append(self._pid)


def _no_children_left() -> bool:
    """Every child Forked started has ended and was reaped (waitpid knows it no more)."""
    import os

    for pid in _CountedForked.pids:
        try:
            os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            continue
        return False
    return True


def test_images_drawn_beside_the_pages_are_the_same_files(generated: Path, tmp_path: Path,
                                                          monkeypatch) -> None:
    """A one-off build draws its ~200 share cards in forked children: some ahead, into the
    image cache, while it links the site (memo.cards_ahead), the rest while it renders pages
    (memo.image_outputs, which finds the former in the cache): the output is byte-identical
    to one process doing it all, and no child is left behind."""
    from generator.build import build_to
    from generator.incremental import memo

    monkeypatch.setattr(memo, "Forked", _CountedForked)
    counted = tmp_path / "drawn-ahead"
    draw_ahead = memo.draw_ahead

    def counting(*args, **kwargs):  # type: ignore[no-untyped-def]  # in the child
        drawn = draw_ahead(*args, **kwargs)
        counted.write_text(str(drawn))
        return drawn

    monkeypatch.setattr(memo, "draw_ahead", counting)

    def slow_linking(*args, **kwargs):  # type: ignore[no-untyped-def]
        import time

        time.sleep(1.0)  # a big site's linking: time for the child to draw some cards
        return link_site(*args, **kwargs)

    import generator.build as build_module

    link_site = build_module.link_site
    monkeypatch.setattr(build_module, "link_site", slow_linking)
    outputs = {}
    for processes in ("1", "2"):
        monkeypatch.setenv("CASEFOLIO_PROCESSES", processes)
        site = tmp_path / f"site-{processes}"
        shutil.copytree(generated, site)
        shutil.rmtree(site / ".casefolio", ignore_errors=True)  # every card to draw
        before = _CountedForked.started
        build_to(site, site / "output")
        assert _CountedForked.started - before == 2 * (processes == "2")
        outputs[processes] = tree(site / "output")
        assert counted.exists() == (processes == "2")
    assert int(counted.read_text()) > 0  # and the output is the same as one process's
    assert outputs["1"] == outputs["2"]
    assert any(path.endswith(".png") and "og." in path for path in outputs["2"])
    assert _no_children_left()


def test_a_build_that_fails_while_images_are_drawn_stops_the_child(generated: Path,
                                                                   tmp_path: Path,
                                                                   monkeypatch) -> None:
    """A template error while the child draws: the same error, the child is stopped and
    reaped, the previous output is untouched and nothing is left beside it."""
    from generator.build import build_to
    from generator.errors import CasefolioError
    from generator.incremental import memo

    monkeypatch.setattr(memo, "Forked", _CountedForked)
    monkeypatch.setenv("CASEFOLIO_PROCESSES", "2")
    site = tmp_path / "site"
    shutil.copytree(generated, site)
    (site / "output").mkdir()
    build_to(site, site / "output")
    before = tree(site / "output")
    shutil.rmtree(site / ".casefolio")  # every card must be drawn again
    (site / "site.yaml").write_text((site / "site.yaml").read_text(encoding="utf-8")
                                    .replace("title:", "title: Renamed", 1), encoding="utf-8")
    (site / "templates").mkdir(exist_ok=True)
    (site / "templates" / "case_study.html").write_text(
        "{% extends 'base.html' %}{% block main %}{{ page.title.nope() }}{% endblock %}",
        encoding="utf-8")
    names = sorted(p.name for p in site.iterdir())
    started = _CountedForked.started
    with pytest.raises(CasefolioError) as caught:
        build_to(site, site / "output")
    assert _CountedForked.started == started + 2  # cards ahead, then the images
    assert "case_study.html" in caught.value.problems[0].format()
    assert _no_children_left()
    assert tree(site / "output") == before
    left = sorted(p.name for p in site.iterdir() if p.name != ".casefolio")  # caches may stay
    assert left == names  # no spool or staging folder left beside the output


def test_an_image_error_in_the_child_is_the_same_error(make_site, tmp_path: Path,
                                                       monkeypatch) -> None:
    """A source image that fails only when decoded in full (a JPEG cut off: its header reads
    well): the child's problem reaches the build as one process reports it."""
    from io import BytesIO

    from PIL import Image

    from generator.build import build_to
    from generator.errors import CasefolioError
    from generator.incremental import memo

    buffer = BytesIO()
    Image.effect_noise((900, 600), 60).convert("RGB").save(buffer, "JPEG")
    files: dict[str, str | bytes | None] = {
        "content/case-studies/cut.jpg": buffer.getvalue()[:len(buffer.getvalue()) // 2]}
    for n in range(memo.MIN_BACKGROUND + 2):
        files[f"content/case-studies/s{n:03}.md"] = (
            f"---\ntitle: Study {n}\nclient: Client {n}\nniche: ecommerce\ndate: 2024-01-01\n"
            f"summary: A short summary of study {n}.\n---\nBody.\n" +
            ("\n![A cut-off photo](cut.jpg)\n" if n == 7 else ""))
    errors = []
    monkeypatch.setattr(memo, "Forked", _CountedForked)
    for processes in ("1", "2"):
        monkeypatch.setenv("CASEFOLIO_PROCESSES", processes)
        site = make_site(files)
        started = _CountedForked.started
        with pytest.raises(CasefolioError) as caught:
            build_to(site, tmp_path / f"out-{processes}")
        assert _CountedForked.started - started == 2 * (processes == "2")
        errors.append(sorted(p.format() for p in caught.value.problems))
        assert not (tmp_path / f"out-{processes}").exists()
    assert errors[0] == errors[1]
    assert any("cut.jpg" in e for e in errors[0])
    assert _no_children_left()


@pytest.mark.parametrize("after", [0.0, 0.8, 1.6, 2.4])
def test_ctrl_c_during_a_pooled_build_leaves_no_process_behind(generated: Path, tmp_path: Path,
                                                               after: float) -> None:
    """Ctrl-C reaches the build's whole process group (its pools' workers, the child drawing
    images) at some point of a ~200-study cold build (counted from when it has begun, not from
    the start of Python: a slow start would be interrupted in its imports): the build ends (interrupted, or done if
    it was faster), the output folder is whole or absent, and no process of it is left (a
    worker interrupted inside a queue's lock used to leave the others waiting for ever)."""
    import os
    import signal
    import subprocess
    import time

    site = tmp_path / "site"
    shutil.copytree(generated, site)
    env = {**os.environ, "CASEFOLIO_PROCESSES": "2"}
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "build", str(site), "-o", str(tmp_path / "out"),
         "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        start_new_session=True, cwd=REPO,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    for _ in range(600):  # the build has begun once its spool folder is there (beside out/)
        if len(list(tmp_path.iterdir())) > 1 or process.poll() is not None:
            break
        time.sleep(0.05)
    time.sleep(after)  # then into parsing, linking, rendering, drawing
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGINT)
    try:
        _, err = process.communicate(timeout=60)  # a stuck worker holds the pipes open
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode in (0, 130), err
    assert "Traceback" not in err
    time.sleep(0.5)
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # nothing of the build's group is left
    # whole or absent: interrupted after the output was written (while the cache is saved,
    # the last ~0.3 s of this build), the output is there and whole; before, there is none
    if process.returncode == 0 or (tmp_path / "out").exists():
        assert (tmp_path / "out" / "index.html").is_file()
        assert (tmp_path / "out" / "sitemap.xml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) in (["site"], ["out", "site"])  # no spool


def test_ctrl_c_just_after_a_forked_child_was_reaped_is_cleaned_up(monkeypatch) -> None:
    """Ctrl-C between result() reaping the child and noting it (seen in CI at one of the
    Ctrl-C test's moments): the interrupt is what comes out, not an error of the clean-up
    (signalling a child that is gone, closing the pipe twice)."""
    import os

    forked = workers.Forked(lambda: 42)
    real = os.waitpid

    def reaped_then_interrupted(pid: int, options: int) -> tuple[int, int]:
        real(pid, options)
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "waitpid", reaped_then_interrupted)
    with pytest.raises(KeyboardInterrupt), forked:
        forked.result()
    monkeypatch.undo()
    assert forked._pid == 0 and forked._read == -1
    with forked:  # a second exit does nothing
        pass
