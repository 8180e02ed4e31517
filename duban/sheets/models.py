"""Models of the sheets app."""
