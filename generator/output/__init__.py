"""Output: the theme, the pages to render, and the one writer of the output folder."""
