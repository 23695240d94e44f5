"""Draw the example site's people "photos": flat illustrated portraits, not real faces.

    python scripts/make_sample_portraits.py [--out static/people]

The people of the example site are fictional, so their photos are drawings: a head and
shoulders on a coloured background, 320 px square JPEGs of a few KB. The files are committed;
run this only to change them.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

REPO = Path(__file__).resolve().parent.parent
SIZE = 320
SCALE = 3  # drawn larger, then reduced: smooth edges

# id -> (background, skin, hair, jacket, hair length: where it ends, in grid units)
PEOPLE = {
    "maya": ("#cfe3e8", "#e9c4a6", "#d9b36c", "#1f5f6b", 25.0),
    "owen": ("#f1dcc4", "#c98f6b", "#3b2a22", "#33415c", 20.0),
    "tom": ("#dcd6ee", "#7a4e36", "#1c1512", "#6b3a2e", 20.0),
}


def portrait(background: str, skin: str, hair: str, jacket: str, hair_to: float,
             ) -> Image.Image:
    s = SIZE * SCALE
    im = Image.new("RGB", (s, s), background)
    d = ImageDraw.Draw(im)
    u = s / 32  # drawn on a 32-unit grid
    if hair_to > 20:  # long hair falls behind the shoulders
        d.rounded_rectangle((9.5 * u, 12 * u, 22.5 * u, hair_to * u), 3 * u, fill=hair)
    d.ellipse((5 * u, 21 * u, 27 * u, 43 * u), fill=jacket)           # shoulders
    d.rectangle((13.5 * u, 17 * u, 18.5 * u, 23 * u), fill=skin)       # neck
    d.polygon([(13.5 * u, 21.5 * u), (16 * u, 25 * u), (18.5 * u, 21.5 * u)], fill=skin)
    d.ellipse((9.5 * u, 6 * u, 22.5 * u, 20 * u), fill=hair)           # hair, behind
    d.ellipse((10.5 * u, 8 * u, 21.5 * u, 20 * u), fill=skin)          # face
    d.chord((9.5 * u, 5 * u, 22.5 * u, 15 * u), 180, 360, fill=hair)  # fringe
    return im.resize((SIZE, SIZE), Image.LANCZOS)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "static" / "people")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for pid, colours in PEOPLE.items():
        path = args.out / f"{pid}.jpg"
        portrait(*colours).save(path, "JPEG", quality=82, optimize=True, progressive=True)
        print(f"{path.relative_to(REPO)}: {path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
