"""The hosting policy, one place for both the build's `_headers` file (Netlify, Cloudflare
Pages) and the Content-Type and Cache-Control that `deploy` sets on each S3 object."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import PurePosixPath

from generator.output.writer import Output

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".map": "application/json",
    ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif", ".ico": "image/x-icon",
    ".woff2": "font/woff2", ".woff": "font/woff", ".pdf": "application/pdf",
    ".webmanifest": "application/manifest+json",
}
# The Atom feed by name: a reader given application/xml may not offer to subscribe.
NAMED_TYPES = {"feed.xml": "application/atom+xml; charset=utf-8"}

IMMUTABLE = "public, max-age=31536000, immutable"  # the name changes when the bytes do
PAGE = "public, max-age=0, must-revalidate"         # pages, feed, sitemap: always fresh
OTHER = "public, max-age=86400"                      # images and files kept under their name

# A file whose name carries its content hash (style.6bc05a4111.css, a-480w.2eba9a14.webp).
HASHED = re.compile(r"\.[0-9a-f]{8,}\.[A-Za-z0-9]+$")
FRESH_SUFFIXES = (".html", ".xml", ".txt", ".json", ".webmanifest")

# The built-in theme has no inline script or style (JSON-LD is data, which CSP does not
# govern), loads scripts and styles only from the site, and shows images from the site.
# Images in Markdown may come from anywhere on https; forms (call_to_action.form) may post
# to another site, which CSP leaves to form-action, not set here.
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; "
                           "img-src 'self' data: https:; font-src 'self'; object-src 'none'; "
                           "base-uri 'self'; frame-ancestors 'self'")
SECURITY_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
# Cloudflare Pages reads at most 100 rules; one is the site-wide block.
MAX_RULES = 100


def content_type(path: str) -> str:
    name = PurePosixPath(path).name
    if name in NAMED_TYPES:
        return NAMED_TYPES[name]
    return CONTENT_TYPES.get(PurePosixPath(path).suffix.lower(), "application/octet-stream")


def cache_control(path: str) -> str:
    if HASHED.search(path):
        return IMMUTABLE
    if path.lower().endswith(FRESH_SUFFIXES) or "." not in PurePosixPath(path).name:
        return PAGE
    return OTHER


def headers_file(paths: Iterable[str], base_path: str = "/") -> bytes:
    """`_headers`: the security headers on every URL, and `immutable` on each hashed file
    (the theme's first, then images, up to the hosts' rule limit). Everything else gets the
    hosts' default, which is `max-age=0, must-revalidate`: right for pages."""
    hashed = sorted((p for p in paths if HASHED.search(p)),
                    key=lambda p: (not p.startswith("assets/"), p))
    lines = ["# Written by `casefolio build`: response headers for Netlify and Cloudflare Pages.",
             "# To change them, put your own _headers in static/; it replaces this one.",
             f"{base_path}*"]
    lines += [f"  {name}: {value}" for name, value in SECURITY_HEADERS]
    for path in hashed[: MAX_RULES - 1]:
        lines += [f"{base_path}{path}", f"  Cache-Control: {IMMUTABLE}"]
    return ("\n".join(lines) + "\n").encode()


def headers_outputs(outputs: Sequence[Output], base_path: str) -> list[Output]:
    """The build's `_headers`, unless the site publishes its own (static/_headers)."""
    paths = [o.path for o in outputs]
    if "_headers" in paths:
        return []
    return [Output("_headers", headers_file(paths, base_path), "")]
