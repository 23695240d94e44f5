"""The dev server never hands out a file outside its folder, and stays up under load and abuse:
raw requests with every traversal trick, symlinks leading out, 500 concurrent requests, clients
that hang up mid-response."""

from __future__ import annotations

import shutil
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.serve.http import locate
from generator.serve.server import Serving, start
from tests.conftest import REPO

SECRET = "TOP-SECRET-OUTSIDE-THE-FOLDER"


@pytest.fixture(scope="module")
def outside(tmp_path_factory) -> Path:
    """A folder beside the site, with a secret the server must never hand out."""
    return tmp_path_factory.mktemp("outside")


@pytest.fixture(scope="module")
def serving(outside: Path) -> Iterator[Serving]:
    """One server for the module (these tests only read): the example site plus a big file."""
    (outside / "secret.txt").write_text(SECRET)
    site = outside / "site"
    for folder in ("content", "static"):
        shutil.copytree(REPO / folder, site / folder)
    shutil.copy(REPO / "site.yaml", site / "site.yaml")
    (site / "static" / "big.bin").write_bytes(b"x" * 8_000_000)
    serving = start(site, port=0)
    yield serving
    serving.stop()


def raw(serving: Serving, target: bytes, method: bytes = b"GET") -> tuple[int, bytes]:
    """Send a request line exactly as given (no client-side normalisation); (status, body)."""
    port = serving.httpd.server_address[1]
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
        sock.sendall(method + b" " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Connection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), body


TRAVERSALS = [
    b"/../secret.txt", b"/../../secret.txt", b"/%2e%2e/secret.txt", b"/%2E%2E/%2e%2e/secret.txt",
    b"/..%2fsecret.txt", b"/..%5csecret.txt", b"/..\\secret.txt", b"/%2e%2e%5csecret.txt",
    b"/case-studies/../../secret.txt", b"/./../secret.txt", b"/%252e%252e/secret.txt",
    b"/%c0%ae%c0%ae/secret.txt", b"/index.html%00.txt", b"/%00", b"/secret.txt%00",
    b"//etc/passwd", b"/etc/passwd", b"http://127.0.0.1/../secret.txt", b"../secret.txt",
    b"/C:/Windows/win.ini", b"/\\\\server\\share", b"/%2fetc%2fpasswd", b"*",
]


def test_no_request_reaches_outside_the_folder(serving: Serving) -> None:
    answers = {target: raw(serving, target) for target in TRAVERSALS}
    leaks = [t for t, (status, body) in answers.items()
             if status not in (400, 404) or SECRET.encode() in body or b"root:" in body]
    assert leaks == []


def test_symlinks_leading_out_are_not_found(serving: Serving, outside: Path) -> None:
    folder = serving.rebuilder.preview.folder
    (folder / "leak.txt").symlink_to(outside / "secret.txt")
    (folder / "outside").symlink_to(outside, target_is_directory=True)
    (folder / "inside.txt").symlink_to(folder / "robots.txt")
    for target in (b"/leak.txt", b"/outside/secret.txt", b"/outside/"):
        status, body = raw(serving, target)
        assert status == 404 and SECRET.encode() not in body, target
    assert raw(serving, b"/inside.txt")[0] == 200  # a link that stays inside is fine


def test_locate_refuses_tricks_without_touching_the_disk(tmp_path: Path) -> None:
    for path in ("/../x", "/%2e%2e/x", "/a/%2E./x", "/x%00", "/a\\b", "/%5c", "/%ff", "x"):
        assert locate(tmp_path, path).status == 400, path


def test_only_get_and_head(serving: Serving) -> None:
    for method in (b"POST", b"PUT", b"DELETE", b"OPTIONS", b"TRACE"):
        assert raw(serving, b"/", method)[0] == 501
    status, body = raw(serving, b"/", b"HEAD")
    assert status == 200 and body == b""


def test_500_concurrent_requests_are_all_answered(serving: Serving) -> None:
    port = serving.httpd.server_address[1]
    paths = [b"/", b"/case-studies/", b"/feed.xml", b"/nope/", b"/../x"] * 100
    socks = []
    for path in paths:  # all connected and sent before any response is read
        sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        sock.sendall(b"GET " + path + b" HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        socks.append(sock)
    statuses = []

    def read(sock: socket.socket) -> None:
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
        sock.close()
        statuses.append(int(data.split(b" ", 2)[1]))
    threads = [threading.Thread(target=read, args=(s,)) for s in socks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sorted(statuses) == sorted([200, 200, 200, 404, 400] * 100)


def test_clients_hanging_up_do_not_hurt_the_server(serving: Serving) -> None:
    port = serving.httpd.server_address[1]
    for _ in range(5):  # reset mid-download of a big file
        sock = socket.create_connection(("127.0.0.1", port), timeout=15)
        sock.sendall(b"GET /big.bin HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        sock.recv(1000)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()
    for junk in (b"GET /", b"\x16\x03\x01\x00\xa5\x01", b"GET / HTTP/1.1\r\nHost: x"):
        with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:
            sock.sendall(junk)  # a half request, TLS to a plain port, ...
    preview = serving.rebuilder.preview
    with socket.create_connection(("127.0.0.1", port), timeout=15) as sock:  # event stream
        sock.sendall(f"GET /__casefolio/events?instance={preview.instance}&gen="
                     f"{preview.generation} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n".encode())
        assert b"text/event-stream" in sock.recv(1000)
    status, body = raw(serving, b"/big.bin")
    assert status == 200 and len(body) == 8_000_000
    assert raw(serving, b"/")[0] == 200
