"""`casefolio serve` over real HTTP on real files: pages, live-reload events, errors, CSS swaps,
editor saves, deletes and renames, one build at a time, busy ports, Ctrl-C."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from generator.serve import server as server_module
from generator.serve.server import Serving, Terminal, start

REPO = Path(__file__).resolve().parent.parent
STUDY = "content/case-studies/coffee-subscription-landing.md"
PAGE = "/case-studies/coffee-subscription-landing/"


@pytest.fixture
def serve(example_site: Path) -> Iterator[Callable[..., Serving]]:
    started: list[Serving] = []

    def run(site: Path | None = None, **options: object) -> Serving:
        serving = start(site or example_site, port=0, **options)  # type: ignore[arg-type]
        started.append(serving)
        return serving
    yield run
    for serving in started:
        serving.stop()


def fetch(serving: Serving, path: str, method: str = "GET",
          headers: dict[str, str] | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
    url = urlsplit(serving.url)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


def text(serving: Serving, path: str) -> str:
    status, _, body = fetch(serving, path)
    assert status == 200, (path, status)
    return body.decode()


def eventually(check: Callable[[], object], timeout: float = 15) -> object:
    """Poll until check() is truthy (builds take longer on a loaded machine, never forever)."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            assert result, "timed out"
            return result
        time.sleep(0.02)


class Stream:
    """A minimal EventSource: the server's events, as a page's script receives them."""

    def __init__(self, serving: Serving) -> None:
        preview = serving.rebuilder.preview
        url = urlsplit(serving.url)
        self.conn = http.client.HTTPConnection(url.hostname, url.port, timeout=15)
        self.conn.request("GET", f"/__casefolio/events?instance={preview.instance}"
                                 f"&gen={preview.generation}")
        self.response = self.conn.getresponse()
        assert self.response.headers["Content-Type"] == "text/event-stream"

    def next(self, name: str = "") -> dict:
        """The next event (of this name): its data."""
        event, data = "", ""
        while True:
            line = self.response.fp.readline().decode().rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif not line and event:
                if not name or event == name:
                    return {"event": event, **json.loads(data)}
                event = ""

    def close(self) -> None:
        self.conn.close()


def edit(site: Path, rel: str, old: str, new: str) -> None:
    path = site / rel
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")


def test_pages_pretty_urls_types_and_no_caching(serve, example_site: Path) -> None:
    serving = serve()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", serving.url)
    status, headers, body = fetch(serving, "/")
    assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"
    assert f'href="{serving.url}"' in body.decode()  # canonical URLs point at the preview
    status, headers, _ = fetch(serving, PAGE.rstrip("/"))
    assert status == 301 and headers["Location"] == PAGE
    assert "Coffee" in text(serving, PAGE) or "coffee" in text(serving, PAGE)
    css = re.search(r'href="(/assets/style\.[0-9a-f]+\.css)"', text(serving, "/")).group(1)
    for path, kind in ((css, "text/css; charset=utf-8"), ("/feed.xml", "application/xml"),
                       ("/robots.txt", "text/plain; charset=utf-8"),
                       ("/favicon.svg", "image/svg+xml")):
        status, headers, _ = fetch(serving, path)
        assert status == 200 and headers["Content-Type"].startswith(kind), path
    status, headers, body = fetch(serving, "/", method="HEAD")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 1000


def test_missing_pages_get_the_sites_404_page(serve) -> None:
    serving = serve()
    status, headers, body = fetch(serving, "/no/such/page/")
    assert status == 404 and "Page not found" in body.decode()
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert "/__casefolio/events" in body.decode()  # reloads when the page gets written


def test_a_subfolder_site_previews_at_the_root(serve, example_site: Path) -> None:
    edit(example_site, "site.yaml", "base_url: https://example.com/",
         "base_url: https://example.github.io/agency/")
    serving = serve()
    home = text(serving, "/")
    assert 'href="/case-studies/"' in home and "/agency/" not in home


def test_drafts_only_when_asked(serve, example_site: Path) -> None:
    (example_site / "content/case-studies/secret-draft.md").write_text(
        "---\ntitle: Secret draft\ndate: 2024-02-02\nsummary: D.\nclient: D\n"
        "niche: ecommerce\ndraft: true\n---\nNot yet.\n")
    assert fetch(serve(), "/case-studies/secret-draft/")[0] == 404
    assert "Not yet." in text(serve(drafts=True), "/case-studies/secret-draft/")


def test_reload_script_is_served_never_written(serve, example_site: Path) -> None:
    serving = serve(drafts=True)
    assert "/__casefolio/events" in text(serving, PAGE).split("</body>")[0]
    folder = serving.rebuilder.preview.folder
    assert not folder.is_relative_to(example_site)
    assert all(b"__casefolio" not in p.read_bytes() for p in folder.rglob("*.html"))
    assert not (example_site / "output").exists()


def test_a_save_is_announced_once_its_files_are_in_place(serve, example_site: Path) -> None:
    serving = serve()
    stream = Stream(serving)
    edit(example_site, STUDY, "\n---\n", "\n---\nFreshly saved paragraph.\n\n")
    event = stream.next("build")
    assert PAGE.strip("/") + "/index.html" in event["changed"]
    assert not event["css_only"]
    assert "Freshly saved paragraph." in text(serving, PAGE)  # already there when announced
    assert "services/conversion-audit/index.html" not in event["changed"]
    stream.close()


@pytest.mark.parametrize("save", ["rename", "recreate"])
def test_editor_saves_through_the_server(serve, example_site: Path, save: str) -> None:
    serving = serve()
    stream = Stream(serving)
    path = example_site / STUDY
    new = path.read_text().replace("\n---\n", "\n---\nSaved by an editor.\n\n", 1)
    if save == "rename":
        (path.parent / ".coffee.md.swp").write_text("swap")
        (path.parent / "4913").write_text("")
        (path.parent / "4913").unlink()
        tmp = path.with_name(f"{path.name}~")
        tmp.write_text(new)
        os.replace(tmp, path)
    else:
        path.unlink()
        path.write_text(new)
    stream.next("build")
    assert "Saved by an editor." in text(serving, PAGE)


def test_swap_files_never_rebuild(serve, example_site: Path) -> None:
    serving = serve()
    generation = serving.rebuilder.preview.generation
    folder = example_site / "content/case-studies"
    for name in (".coffee.md.swp", "coffee.md~", ".#coffee.md", "4913", "coffee.md.tmp"):
        (folder / name).write_text("---\ntitle: [broken\n")
    time.sleep(0.5)
    assert serving.rebuilder.preview.generation == generation


def test_broken_yaml_shows_problems_over_the_last_good_page(serve, example_site: Path) -> None:
    serving = serve()
    stream = Stream(serving)
    good = text(serving, PAGE).split("<script>")[0]
    edit(example_site, STUDY, "title: ", "title: [unclosed ")
    event = stream.next("problems")
    assert any(re.match(rf"{STUDY}:\d+: invalid YAML", p) for p in event["problems"])
    assert text(serving, PAGE).split("<script>")[0] == good  # the last good page, still
    late = Stream(serving)                # a page opened now is told at once
    assert late.next()["event"] == "problems"
    edit(example_site, STUDY, "title: [unclosed ", "title: ")
    assert stream.next()["event"] == "build"
    assert serving.rebuilder.preview.problems == ()
    stream.close()
    late.close()


def test_css_only_change_renames_the_stylesheet(serve, example_site: Path) -> None:
    shutil.copytree(REPO / "themes" / "default", example_site / "themes" / "default")
    serving = serve()
    old = re.search(r'href="/(assets/style\.[0-9a-f]+\.css)"', text(serving, PAGE)).group(1)
    stream = Stream(serving)
    with (example_site / "themes/default/static/style.css").open("a") as css:
        css.write("\nbody { outline: 3px solid red; }\n")
    event = stream.next("build")
    assert event["css_only"]
    new = event["renamed"][old]
    assert new != old and new in event["changed"] and old in event["changed"]
    assert "outline: 3px solid red" in text(serving, "/" + new)
    assert fetch(serving, "/" + old)[0] == 404
    assert f'href="/{new}"' in text(serving, PAGE)
    stream.close()


def test_deleted_and_renamed_case_studies(serve, example_site: Path) -> None:
    serving = serve()
    stream = Stream(serving)
    (example_site / STUDY).unlink()
    stream.next("build")
    assert fetch(serving, PAGE)[0] == 404
    for listing in ("/case-studies/", "/niches/ecommerce/", "/feed.xml", "/sitemap.xml"):
        assert "coffee-subscription-landing" not in text(serving, listing), listing
    os.rename(example_site / "content/case-studies/willow-creek-tour-booking.md",
              example_site / "content/case-studies/willow-creek.md")
    stream.next("build")
    assert fetch(serving, "/case-studies/willow-creek-tour-booking/")[0] == 404
    assert "/case-studies/willow-creek/" in text(serving, "/case-studies/")
    (example_site / "content/case-studies/brand-new.md").write_text(
        "---\ntitle: Brand new study\ndate: 2024-02-02\nsummary: New.\nclient: N\n"
        "niche: ecommerce\n---\nNew body.\n")
    stream.next("build")
    assert "New body." in text(serving, "/case-studies/brand-new/")
    stream.close()


def test_one_build_at_a_time_and_saves_during_a_build_queue_one_more(
        serve, example_site: Path, monkeypatch) -> None:
    serving = serve()
    running, most, builds = [0], [0], []
    started = threading.Event()
    real_build = server_module.build

    def slow_build(*args: object, **kwargs: object) -> object:
        running[0] += 1
        most[0] = max(most[0], running[0])
        builds.append(time.monotonic())
        started.set()
        time.sleep(0.6)
        try:
            return real_build(*args, **kwargs)
        finally:
            running[0] -= 1
    monkeypatch.setattr(server_module, "build", slow_build)
    stream = Stream(serving)
    edit(example_site, STUDY, "\n---\n", "\n---\nFirst save.\n\n")
    assert started.wait(15)
    for n in (2, 3):  # two more saves while that build runs
        edit(example_site, STUDY, "\n---\n", f"\n---\nSave {n}.\n\n")
        time.sleep(0.05)
    stream.next("build")
    stream.next("build")
    assert "Save 3." in text(serving, PAGE)
    time.sleep(0.3)
    assert most[0] == 1 and len(builds) == 2
    stream.close()


def test_poll_mode_sees_saves(serve, example_site: Path) -> None:
    serving = serve(poll=True)
    stream = Stream(serving)
    edit(example_site, STUDY, "\n---\n", "\n---\nSeen by polling.\n\n")
    stream.next("build")
    assert "Seen by polling." in text(serving, PAGE)
    stream.close()


def test_saves_without_events_are_noticed_and_poll_suggested(
        serve, example_site: Path, monkeypatch, capsys) -> None:
    monkeypatch.setattr(server_module.Watcher, "start", lambda self: None)  # events never come
    monkeypatch.setattr(server_module, "CHECK_EVERY", 0.1)
    path = example_site / STUDY
    os.utime(path)  # the file edited last: one the server keeps an eye on
    serving = serve(terminal=Terminal())
    edit(example_site, STUDY, "\n---\n", "\n---\nSaved on a network drive.\n\n")
    past = time.time() - 3
    os.utime(path, (past, past))
    eventually(lambda: "Saved on a network drive." in text(serving, PAGE))
    assert "restart with --poll" in capsys.readouterr().err


def test_busy_port_takes_the_next_free_one(serve, capsys) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        serving = start(Path(serve().rebuilder.site_dir), port=port,
                        terminal=Terminal(quiet=False))
        try:
            assert urlsplit(serving.url).port != port
            assert f"port {port} is busy" in capsys.readouterr().err
        finally:
            serving.stop()


def test_first_build_failing_is_served_and_recovers(serve, example_site: Path) -> None:
    edit(example_site, "site.yaml", "title: ", "title: [oops ")
    serving = serve()
    status, _, body = fetch(serving, "/")
    assert status == 503 and b"/__casefolio/events" in body
    assert Stream(serving).next()["event"] == "problems"
    edit(example_site, "site.yaml", "title: [oops ", "title: ")
    eventually(lambda: serving.rebuilder.preview.good)
    assert fetch(serving, "/")[0] == 200


def test_foreign_host_names_are_refused(serve) -> None:
    serving = serve()
    assert fetch(serving, "/", headers={"Host": "evil.example:80"})[0] == 403
    assert fetch(serving, "/", headers={"Host": f"localhost:{urlsplit(serving.url).port}"}
                 )[0] == 200


def test_ctrl_c_stops_cleanly(example_site: Path, tmp_path: Path) -> None:
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", str(example_site), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"})
    try:
        line = ""
        deadline = time.monotonic() + 60
        while "serving at" not in line and time.monotonic() < deadline:
            line = process.stdout.readline()
        url = re.search(r"http://\S+/", line).group(0)
        assert any(temp.iterdir())  # the private build folder
        serving_port = urlsplit(url).port
        with socket.create_connection(("127.0.0.1", serving_port), timeout=5):
            pass
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Traceback" not in out
    assert not any(temp.iterdir())  # removed on the way out


@pytest.mark.parametrize("path", ["/" + "a" * 256, "/" + "a" * 256 + "/", "/x/" + "%C3%A9" * 200,
                                  "/" + "a/" * 3000])
def test_overlong_paths_are_answered_not_crashed_on(serve, path: str) -> None:
    serving = serve()
    status, _, _ = fetch(serving, path)
    assert status in (404, 414)
    assert fetch(serving, "/")[0] == 200


def test_a_removed_preview_folder_is_written_again(serve) -> None:
    """A temp cleaner may remove the private folder while the server runs."""
    serving = serve()
    assert fetch(serving, PAGE)[0] == 200
    shutil.rmtree(serving.rebuilder.preview.folder)
    eventually(lambda: fetch(serving, PAGE)[0] == 200 and fetch(serving, "/")[0] == 200)


def test_content_deleted_and_copied_back_is_served_again(serve, example_site: Path,
                                                         tmp_path: Path) -> None:
    serving = serve()
    assert fetch(serving, PAGE)[0] == 200
    shutil.move(example_site / "content", tmp_path / "content")
    eventually(lambda: fetch(serving, PAGE)[0] == 404)
    shutil.copytree(tmp_path / "content", example_site / "content")
    eventually(lambda: fetch(serving, PAGE)[0] == 200)


def test_a_closed_terminal_removes_the_preview_folder(example_site: Path, tmp_path: Path) -> None:
    """SIGHUP (the terminal window closed) cleans up like Ctrl-C: no drafts left in /tmp."""
    temp = tmp_path / "tmp"
    temp.mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "generator", "serve", str(example_site), "--port", "0",
         "--drafts"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "TMPDIR": str(temp), "PYTHONUNBUFFERED": "1"})
    try:
        line = ""
        deadline = time.monotonic() + 60
        while "serving at" not in line and time.monotonic() < deadline:
            line = process.stdout.readline()
        assert "serving at" in line and any(temp.iterdir())
        process.send_signal(signal.SIGHUP)
        _, err = process.communicate(timeout=30)
    finally:
        process.kill()
    assert "Traceback" not in err
    assert not any(temp.iterdir())
