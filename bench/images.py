"""Image processing time: N images cold (empty cache), warm (nothing changed), one changed.

    python bench/images.py                       # 100 images, all CPU cores
    python bench/images.py --images 300 --workers 1 --keep /tmp/images-bench
    python bench/images.py --images 0 --cards 1000 --processes 1   # share cards, threads only
    python bench/images.py --site ../shared/realworld/fivexl --per-image --quality
    CASEFOLIO_CHECKOUT=/tmp/old python bench/images.py   # another checkout's generator/

Writes a seeded mix like a consultant's case studies (desktop screenshots as palette PNGs,
phone screenshots, camera JPEGs with EXIF) into a temp site, then times casefolio's image
stage alone: planning from headers (what the site stage does) plus encoding every variant
and drawing `--cards` share cards (`process.process_all`, what the build's image stage does).
Cold starts from an empty SITE_DIR/.casefolio/images/; warm runs it again; "one changed"
rewrites one image first. Prints a Markdown table with the encodes each run did (files added
to the cache, which worker processes write too), the bytes it produced, its CPU time (worker
processes included) and how busy that kept the cores. `--per-image` encodes each image alone
too and reports the costliest (CPU seconds); `--quality` scores every WebP file against the
source resized straight to its size (SSIM, scikit-image: `pip install scikit-image`, a bench
dependency only).
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from io import BytesIO
from pathlib import Path

sys.path.insert(0, os.environ.get("CASEFOLIO_CHECKOUT", str(Path(__file__).resolve().parents[1])))

from PIL import Image, ImageDraw

from generator.content.sources import Asset, fingerprint
from generator.images import plan, process

KINDS = ("desktop", "phone", "photo")


def make_image(kind: str, rng: random.Random) -> bytes:
    """A screenshot-like or photo-like image: flat blocks and text lines, or smooth gradients."""
    size = {"desktop": (1440, 1000), "phone": (780, 1560), "photo": (2400, 1600)}[kind]
    im = Image.new("RGB", size, (250, 250, 248))
    draw = ImageDraw.Draw(im)
    if kind == "photo":
        top, bottom = [rng.randrange(40, 220) for _ in range(3)], [rng.randrange(20, 200)
                                                                  for _ in range(3)]
        for y in range(size[1]):
            t = y / size[1]
            draw.line((0, y, size[0], y), fill=tuple(round(a + (b - a) * t)
                                                     for a, b in zip(top, bottom, strict=True)))
        for _ in range(12):
            x, y, r = rng.randrange(size[0]), rng.randrange(size[1]), rng.randrange(60, 400)
            draw.ellipse((x - r, y - r, x + r, y + r), fill=tuple(rng.randrange(256)
                                                                  for _ in range(3)))
        exif = Image.Exif()
        exif[0x010F] = "PhoneMaker"
        exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.5)}
        buffer = BytesIO()
        im.save(buffer, "JPEG", quality=90, exif=exif)
        return buffer.getvalue()
    brand = tuple(rng.randrange(20, 200) for _ in range(3))
    draw.rectangle((0, 0, size[0], 70), fill=brand)
    y = 110
    while y < size[1] - 60:
        block = rng.choice(("heading", "text", "button", "field", "picture"))
        width = rng.randrange(size[0] // 3, size[0] - 80)
        if block == "heading":
            draw.text((40, y), "Lorem ipsum dolor sit amet " * 2, fill=(20, 30, 40),
                      font_size=36)
            y += 60
        elif block == "text":
            for _ in range(rng.randrange(2, 6)):
                draw.text((40, y), "consectetur adipiscing elit, sed do eiusmod tempor " * 3,
                          fill=(90, 100, 110), font_size=18)
                y += 28
        elif block in ("button", "field"):
            fill = brand if block == "button" else (255, 255, 255)
            draw.rounded_rectangle((40, y, 40 + width // 2, y + 56), 8, fill=fill,
                                   outline=(180, 190, 200))
            y += 76
        else:
            draw.rectangle((40, y, 40 + width, y + 220), fill=tuple(rng.randrange(120, 240)
                                                                    for _ in range(3)))
            y += 240
    buffer = BytesIO()
    im.quantize(128, method=Image.Quantize.FASTOCTREE).save(buffer, "PNG")
    return buffer.getvalue()


def write_site(root: Path, count: int, seed: int) -> list[Asset]:
    rng = random.Random(seed)
    assets = []
    for i in range(count):
        kind = KINDS[i % len(KINDS)]
        rel = f"content/case-studies/image-{i:03d}.{'jpg' if kind == 'photo' else 'png'}"
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        data = make_image(kind, rng)
        path.write_bytes(data)
        assets.append(Asset(rel, rel.removeprefix("content/"), fingerprint(data)))
    return assets


def card_jobs(count: int, seed: int) -> list[plan.CardJob]:
    rng = random.Random(seed)
    words = ["checkout", "redesign", "lifts", "mobile", "conversion", "for", "a", "skincare",
             "brand", "pricing", "page", "test", "onboarding", "funnel", "of", "B2B", "platform",
             "landing", "pages", "cut", "cost", "per", "lead"]
    return [plan.card_job(f"case-studies/study-{i:05d}/", " ".join(rng.choices(
                words, k=rng.randrange(3, 16))).capitalize(), f"+{rng.randrange(2, 90)}%",
                "Mobile conversion rate", "Northpoint CRO") for i in range(count)]


def stage(root: Path, assets: list[Asset], cards: list[plan.CardJob], workers: int,
          processes: int | None, last: list[process.ImageFile] | None = None,
          ) -> tuple[float, float, int, list[process.ImageFile]]:
    """(seconds, CPU seconds of this process, encodes, files) to plan and encode every image,
    all shown, and draw the cards. A new `casefolio build` process unless `last` (a serve
    rebuild, handed the last build's files)."""
    cache = root / ".casefolio" / "images"
    before = len(list(cache.iterdir())) if cache.is_dir() else 0
    if last is None:
        plan._inspect.cache_clear()  # as in a new process
    start, cpu = time.perf_counter(), time.process_time() + _children()
    jobs, _ = plan.plan(root, assets)
    todo = [*plan.publish(jobs, jobs), *cards]
    files = process.process_all(todo, cache, workers=workers, processes=processes,
                               reuse={f.path: f for f in last or ()})
    seconds, cpu = time.perf_counter() - start, time.process_time() + _children() - cpu
    return seconds, cpu, len(list(cache.iterdir())) - before, files


def _children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def site_assets(site: Path) -> list[Asset]:
    """Every JPEG/PNG/WebP under an existing site's content/ and static/."""
    found = []
    for folder in ("content", "static"):
        for path in sorted((site / folder).rglob("*")):
            if path.suffix.lower() in plan.FORMATS and path.is_file():
                rel = path.relative_to(site).as_posix()
                found.append(Asset(rel, rel.split("/", 1)[1], fingerprint(path.read_bytes())))
    return found


def per_image(root: Path, assets: list[Asset]) -> list[tuple[float, str]]:
    """(CPU seconds, path) to make each image's files alone, in this process: costliest first."""
    jobs, _ = plan.plan(root, assets)
    costs = []
    for job in plan.publish(jobs, jobs):
        with tempfile.TemporaryDirectory() as cache:
            keys = frozenset(key for _, key, _ in process._files(job))
            cpu = time.process_time()
            process._make(job, keys, Path(cache))
            costs.append((time.process_time() - cpu, f"{job.rel} ({job.width}x{job.height})"))
    return sorted(costs, reverse=True)


def quality(root: Path, assets: list[Asset], files: list[process.ImageFile]) -> str:
    """SSIM of every WebP file against the upright source resized straight to its size."""
    import numpy as np
    from PIL import ImageOps
    from skimage.metrics import structural_similarity

    by_stem = {a.out.rsplit(".", 1)[0]: a for a in assets}
    scores, size = [], 0
    for f in files:
        asset = by_stem.get(f.path.rsplit("-", 1)[0])
        if not f.path.endswith(".webp") or asset is None or f.data is None:
            continue
        with Image.open(root / asset.rel) as source, Image.open(BytesIO(f.data)) as made:
            mode = "RGBA" if "A" in made.getbands() else "RGB"
            ref = ImageOps.exif_transpose(source).convert(mode).resize(
                made.size, Image.Resampling.LANCZOS)
            scores.append(structural_similarity(np.asarray(ref), np.asarray(made.convert(mode)),
                                                channel_axis=2, data_range=255))
        size += len(f.data)
    return (f"{len(scores)} WebP files, {size / 1e6:.2f} MB, SSIM against the source resized: "
            f"mean {sum(scores) / max(1, len(scores)):.4f}, min {min(scores, default=0):.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=100)
    parser.add_argument("--cards", type=int, default=0, help="generated share cards too")
    parser.add_argument("--workers", type=int, default=0, help="threads (default: CPU cores)")
    parser.add_argument("--processes", type=int, default=0,
                        help="worker processes (default: every core when it pays; 1: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="write the site here and keep it")
    parser.add_argument("--site", type=Path, help="an existing site's images (copied) instead")
    parser.add_argument("--per-image", action="store_true", help="each image's CPU cost alone")
    parser.add_argument("--quality", action="store_true", help="SSIM of the WebP files")
    args = parser.parse_args()
    workers = args.workers or min(8, os.cpu_count() or 1)
    processes = args.processes or None
    cards = card_jobs(args.cards, args.seed)
    root = args.keep or Path(tempfile.mkdtemp(prefix="casefolio-images-"))
    try:
        shutil.rmtree(root / ".casefolio", ignore_errors=True)
        if args.site:
            for folder in ("content", "static"):
                shutil.copytree(args.site / folder, root / folder, dirs_exist_ok=True)
            assets = site_assets(root)
        else:
            assets = write_site(root, args.images, args.seed)
        source_bytes = sum((root / a.rel).stat().st_size for a in assets)
        runs = [("cold: empty cache", stage(root, assets, cards, workers, processes)),
                ("warm: a new build, nothing changed", stage(root, assets, cards, workers,
                                                             processes))]
        if assets:
            changed = assets[0]
            data = make_image(KINDS[0], random.Random(args.seed + 1))
            (root / changed.rel).write_bytes(data)
            assets[0] = Asset(changed.rel, changed.out, fingerprint(data))
            runs.append(("a new build, one image changed", stage(root, assets, cards, workers,
                                                                 processes)))
        runs.append(("serve rebuild, nothing changed", stage(root, assets, cards, workers,
                                                           processes, runs[-1][1][3])))
        costs = per_image(root, assets) if args.per_image else []
        scored = quality(root, assets, runs[0][1][3]) if args.quality else ""
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    what = str(args.site) if args.site else "desktop and phone screenshots, camera JPEGs"
    print(f"{len(assets)} images ({source_bytes / 1e6:.1f} MB: {what}), {args.cards} share cards"
          f", {workers} worker thread(s), processes: "
          f"{processes or 'auto'}, Pillow {process._pillow()}, {os.cpu_count()} CPU(s)\n")
    print("| run | wall time | CPU time | cores busy | encodes | files | output |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, (seconds, cpu, encodes, files) in runs:
        busy = cpu / seconds / (os.cpu_count() or 1)
        made = sum(len(f.data or b"") for f in files) / 1e6
        print(f"| {name} | {seconds:.2f} s | {cpu:.2f} s | {busy:.2f} | {encodes} | {len(files)} "
              f"| {made:.1f} MB |")
    if costs:
        print("\nCostliest images alone (CPU): " + ", ".join(
            f"{path} {cpu:.2f} s" for cpu, path in costs[:3]) +
            f"; {sum(1 for cpu, _ in costs if cpu > 0.5)} of {len(costs)} over 0.5 s")
    if scored:
        print(f"\n{scored}")
    print(f"\nload average: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
