"""`rating_recorded(rating=…)`: sent once per rating, inside the transaction that stores it
(indicators counts it there, docs/indicators.md)."""

from django.dispatch import Signal

rating_recorded = Signal()
