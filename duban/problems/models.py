"""Models of the problems app."""
