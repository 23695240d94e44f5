"""The model: the records templates see, shared by every kind."""
