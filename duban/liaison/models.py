"""Models of the liaison app."""
