"""What the site model asks of the theme to show an image: the markup of a processed image, of
one shown as it is, and of a before/after pair. The theme makes it (output/markup.py, from its
templates/macros/picture.html); the model hands it the values."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from generator.images.plan import ImageJob


class ImageMarkup(Protocol):
    @property
    def key(self) -> str:
        """Changes when the markup may: a site linked with another key is linked again."""
        ...

    def picture(self, job: ImageJob, alt: str, base_path: str, *, sizes: str, title: str = "",
                eager: bool = False) -> str:
        """A processed image in every width, sized; lazy unless `eager` (above the fold)."""
        ...

    def img(self, url: str, alt: str, title: str = "") -> str:
        """An image shown as it is (SVG, GIF, animations), lazily loaded."""
        ...

    def comparison(self, before: str, after: str, caption: str) -> str:
        """Two images' markup (before, after) as one labelled figure."""
        ...
