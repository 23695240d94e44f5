"""Content: a file on disk becomes a Document (read, front matter, schema, Markdown)."""
