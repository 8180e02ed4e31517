"""Signals of the reporting app, for the apps above it (reporting never imports them).

`month_closed` is sent inside the close's transaction, after the snapshots are written, with
`close` (the MonthClose row, its items and units snapshots saved) and `by` (the office user).
A receiver that raises rolls the whole close back, so the month closes with everything the
apps above compute from it (cards, score events…) or not at all.
"""

from __future__ import annotations

from django.dispatch import Signal

month_closed = Signal()
