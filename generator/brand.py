"""site.yaml `brand:` -> the theme's colour tokens, with every text/background pair at WCAG AA.

The theme keeps its own tokens (themes/default/static/style.css); a brand only overrides them.
What each brand colour becomes, in light, dark and print:

- `primary` fills the hero, bands and panels (`--panel-1`, with `--panel-2` a shade further
  from the text colour for the gradient) and colours links. Text on the panels is the light
  or the dark ink, whichever passes 4.5:1 on both panel shades. As link text, the primary is
  used as it is where it passes 4.5:1 on every background links sit on (page, surface,
  tinted boxes); otherwise the nearest shade that does (same hue and saturation, darker in
  light mode, lighter in dark mode) is derived.
- `accent` fills buttons and highlights; their text is the light or dark ink that passes.

A background on which neither ink reaches 4.5:1 cannot be fixed by the theme: that pair is an
error naming the colour, the ratio and the nearest colour (same hue) that passes.
"""

from __future__ import annotations

import colorsys
import re
from collections.abc import Iterable
from dataclasses import dataclass

AA = 4.5
LIGHT_INK = "#ffffff"
DARK_INK = "#13222a"          # the theme's own ink
# What links sit on: --bg, --surface, --good-bg, --warn-bg, --bad-bg, in light and dark mode.
LIGHT_BACKGROUNDS = ("#ffffff", "#f3f6f7", "#e2f3ea", "#fcefd2", "#fbe9e7")
DARK_BACKGROUNDS = ("#0d171b", "#15242b", "#123528", "#3a2c10", "#3e1a17")
HEX_RE = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")
SERIF = ('"Iowan Old Style", "Palatino Linotype", Palatino, "Book Antiqua", Georgia, '
         'Cambria, "Times New Roman", serif')
SYSTEM = ('system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, '
          '"Noto Sans", sans-serif')
FONT_FORMATS = {".woff2": ("woff2", "woff2"), ".woff": ("woff", "woff"),  # MIME, format()
                ".ttf": ("ttf", "truetype"), ".otf": ("otf", "opentype")}


def normal_hex(value: str) -> str:
    """'#ABC' -> '#aabbcc'; the value must already match HEX_RE."""
    digits = value[1:].lower()
    return "#" + ("".join(c * 2 for c in digits) if len(digits) == 3 else digits)


def _rgb(colour: str) -> tuple[float, float, float]:
    digits = normal_hex(colour)[1:]
    return tuple(int(digits[i:i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _hex(rgb: Iterable[float]) -> str:
    return "#" + "".join(f"{round(min(1.0, max(0.0, c)) * 255):02x}" for c in rgb)


def luminance(colour: str) -> float:
    """WCAG relative luminance."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio, 1 to 21."""
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def mix(a: str, b: str, weight: float) -> str:
    """`weight` of a, the rest b, in sRGB."""
    return _hex(x * weight + y * (1 - weight) for x, y in zip(_rgb(a), _rgb(b), strict=True))


def with_lightness(colour: str, lightness: float) -> str:
    h, _, s = colorsys.rgb_to_hls(*_rgb(colour))
    return _hex(colorsys.hls_to_rgb(h, lightness, s))


def _lightness(colour: str) -> float:
    return colorsys.rgb_to_hls(*_rgb(colour))[1]


def ink_on(background: str) -> str | None:
    """The theme's ink (light or dark) that reads best on background, if either passes AA."""
    best = max((LIGHT_INK, DARK_INK), key=lambda ink: contrast(ink, background))
    return best if contrast(best, background) >= AA else None


def passes_on(colour: str, backgrounds: Iterable[str]) -> bool:
    return all(contrast(colour, bg) >= AA for bg in backgrounds)


def shade_for(colour: str, backgrounds: tuple[str, ...], lighter: bool) -> str:
    """The shade of colour nearest to it (same hue and saturation) that passes AA as text
    on every one of backgrounds, moving lighter or darker."""
    start = _lightness(colour)
    for step in range(101):
        level = start + step / 100 * ((1 - start) if lighter else -start)
        candidate = with_lightness(colour, level) if step else normal_hex(colour)
        if passes_on(candidate, backgrounds):
            return candidate
    return LIGHT_INK if lighter else "#000000"


def nearest_inkable(colour: str) -> str:
    """The colour nearest in lightness (same hue) on which the light or dark ink passes."""
    start = _lightness(colour)
    for step in range(1, 101):
        for level in (start - step / 100, start + step / 100):
            if 0 <= level <= 1:
                candidate = with_lightness(colour, level)
                if ink_on(candidate):
                    return candidate
    return "#000000"


@dataclass(frozen=True, slots=True)
class Failure:
    """A brand background on which no ink passes: which colour, the best ratio, a fix."""

    key: str        # primary | accent
    colour: str
    ratio: float
    suggestion: str

    def message(self) -> str:
        return (f"brand.{self.key}: text on {self.colour} cannot reach WCAG AA 4.5:1 "
                f"(light ink {LIGHT_INK}: {contrast(LIGHT_INK, self.colour):.2f}:1, "
                f"dark ink {DARK_INK}: {contrast(DARK_INK, self.colour):.2f}:1)")

    def hint(self) -> str:
        return (f"the nearest colour of the same hue that passes is {self.suggestion} "
                f"(`{self.key}: \"{self.suggestion}\"`)")


@dataclass(frozen=True, slots=True)
class Palette:
    """The theme tokens a brand sets; `css` is what goes in the page head."""

    light: tuple[tuple[str, str], ...]
    dark: tuple[tuple[str, str], ...]
    font_url: str = ""       # site-relative URL of a font file, to load and preload
    theme_color: str = ""

    @property
    def font_type(self) -> str:
        """The font file's MIME type, for the preload link."""
        return "font/" + FONT_FORMATS[self.font_url[self.font_url.rfind("."):]][0]

    def css(self, base_path: str) -> str:
        def block(tokens: tuple[tuple[str, str], ...]) -> str:
            return " ".join(f"{name}: {value};" for name, value in tokens)
        out = []
        if self.font_url:
            fmt = FONT_FORMATS[self.font_url[self.font_url.rfind("."):]][1]
            out.append(f'@font-face {{ font-family: "Brand"; src: url("{base_path}'
                       f'{self.font_url}") format("{fmt}"); font-display: swap; }}')
        out.append(f":root {{ {block(self.light)} }}")
        if self.dark:
            out.append(f"@media (prefers-color-scheme: dark) {{ :root {{ {block(self.dark)} }} }}")
        out.append("@media print { :root { --link: #000; } }")  # as the theme prints
        return "\n".join(out)


def panel_tokens(primary: str) -> tuple[tuple[str, str], ...] | Failure:
    ink = ink_on(primary)
    if ink is None:
        return _failure("primary", primary)
    # The gradient's second stop moves away from the ink, so the ink passes on it too.
    second = mix(primary, "#000000" if ink == LIGHT_INK else "#ffffff", 0.72)
    muted = next((mix(ink, primary, w / 100) for w in range(78, 101)
                  if passes_on(mix(ink, primary, w / 100), (primary, second))), ink)
    return (("--panel-1", primary), ("--panel-2", second), ("--on-panel", ink),
            ("--panel-muted", muted))


def palette(primary: str | None, accent: str | None, font: str = "system",
            ) -> Palette | list[Failure]:
    """Every token a brand sets, or the pairs that cannot pass."""
    light: list[tuple[str, str]] = []
    dark: list[tuple[str, str]] = []
    failures = []
    if primary:
        primary = normal_hex(primary)
        panels = panel_tokens(primary)
        if isinstance(panels, Failure):
            failures.append(panels)
        else:
            link_light = shade_for(primary, LIGHT_BACKGROUNDS, lighter=False)
            link_dark = shade_for(primary, DARK_BACKGROUNDS, lighter=True)
            light += [*panels, ("--link", link_light), ("--focus", link_light),
                      ("--brand", link_light), ("--on-brand", ink_on(link_light) or LIGHT_INK)]
            dark += [*panels, ("--link", link_dark), ("--focus", link_dark),
                     ("--brand", link_dark), ("--on-brand", ink_on(link_dark) or DARK_INK)]
    if accent:
        accent = normal_hex(accent)
        ink = ink_on(accent)
        if ink is None:
            failures.append(_failure("accent", accent))
        else:
            hover = mix(accent, "#ffffff" if ink == DARK_INK else "#000000", 0.8)
            light += [("--accent", accent), ("--accent-hover", hover), ("--on-accent", ink)]
    if failures:
        return failures
    font_url = font.removeprefix("static/") if font not in ("system", "serif") else ""
    if font != "system":
        light.append(("--font", SERIF if font == "serif" else f'"Brand", {SYSTEM}'))
    return Palette(tuple(light), tuple(dark), font_url, normal_hex(primary) if primary else "")


def _failure(key: str, colour: str) -> Failure:
    best = max(contrast(LIGHT_INK, colour), contrast(DARK_INK, colour))
    return Failure(key, colour, best, nearest_inkable(colour))
