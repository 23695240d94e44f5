"""Cache files sealed with a key only this user knows, checked before they are used.

Unpickling or unmarshalling runs whatever the bytes say, and a cached image is published as it
is, so every file in SITE_DIR/.casefolio/ carries a keyed digest of its bytes, checked before
anything reads them: a file damaged on disk, or planted (say, committed to a site's
repository), does not match and is rebuilt. The key is random bytes kept outside every site, in
the user's cache folder ($XDG_CACHE_HOME or ~/.cache, then casefolio/key), so no repository can
carry a valid one, while a CI job that restores both folders (the workflow `init --github-pages`
writes does) keeps a warm cache. Where that folder cannot be written, the key lives in
.casefolio/key mixed with that file's device, inode and change time, which no copy keeps.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
from pathlib import Path

KEY_FILE = "key"
_SECRET = 32
DIGEST_SIZE = 32  # bytes; sealed() prefixes the digest in hex and a newline


def user_key_file() -> Path:
    """Where this user's cache key lives: outside every site, so no checkout brings one."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "casefolio" / KEY_FILE


def key(folder: Path) -> bytes | None:
    """The key for the cache in `folder` (SITE_DIR/.casefolio), made on first use: the user's,
    or, when the user's cache folder cannot be written, one bound to this folder's key file;
    None when neither can be read or made (then nothing is cached)."""
    secret = _secret(user_key_file(), bound=False)
    if secret is None:
        secret = _secret(folder / KEY_FILE, bound=True)
    return secret


def _secret(path: Path, bound: bool) -> bytes | None:
    for _ in range(2):
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        except FileNotFoundError:
            _make(path)
            continue
        except OSError:
            return None
        with os.fdopen(fd, "rb") as f:
            secret, st = f.read(_SECRET + 1), os.fstat(f.fileno())
        if len(secret) != _SECRET or not stat.S_ISREG(st.st_mode):
            return None  # being written by another process, or not ours
        where = f"{st.st_dev}:{st.st_ino}:{st.st_ctime_ns}".encode() if bound else b"user"
        return hashlib.blake2b(secret + where, digest_size=32).digest()
    return None


def _make(path: Path) -> None:
    """Write a new key beside path, then link it into place: a build starting at the same
    moment (two terminals, parallel tests) sees no key or a whole one, never half of one."""
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=".key-", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(secrets.token_bytes(_SECRET))
            try:
                os.link(temp, path)  # fails when another process made it first: theirs is kept
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links: rename, unless one appeared
                if not os.path.lexists(path):
                    os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)


def digest(key: bytes, name: str, data: bytes) -> str:
    """The keyed digest of a cache file's data, bound to its name (no file passes for another)."""
    h = hashlib.blake2b(name.encode("utf-8", "surrogateescape") + b"\0", key=key,
                        digest_size=DIGEST_SIZE)
    h.update(data)
    return h.hexdigest()


def sealed(key: bytes, name: str, data: bytes) -> bytes:
    """The contents of a cache file named `name`: data with its digest in front."""
    return digest(key, name, data).encode() + b"\n" + data


def opened(key: bytes | None, name: str, contents: bytes) -> bytes | None:
    """The data in a sealed file's contents, or None unless its digest matches."""
    size = 2 * DIGEST_SIZE + 1
    head, data = contents[:size], contents[size:]
    if key is None or len(head) != size or head[-1:] != b"\n":
        return None
    return data if hmac.compare_digest(head[:-1], digest(key, name, data).encode()) else None
