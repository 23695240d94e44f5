"""Images: responsive variants, their markup and the share cards."""
