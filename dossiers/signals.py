"""Signals of the dossier app.

`event_recorded` is sent inside the service's transaction right after an Event is written, so
that a listener (the portal outbox, in integrations) writes its own rows in the same
transaction: either everything commits or nothing does. `dossiers` never imports a listener.
"""

from django.dispatch import Signal

# sender=Event class; kwargs: event, dossier
event_recorded = Signal()
