"""Writes of the supervision app: prompts, cards, flags, interviews and the daily cycle."""
