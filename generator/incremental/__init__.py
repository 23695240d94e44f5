"""Everything that remembers earlier builds: the on-disk cache and the prose-only fast path."""
