"""The one signal of the dossier app.

`dossier_changed` is sent by `dossiers.services.dossier_action()` once per write of a dossier
(creation, every transition, a file attached or digitised), inside the write's transaction,
after the dossier row is saved and its `Event` appended. Its only keyword argument, `change`,
is a `dossiers.services.DossierChange`:

- `change.event`: the Event just written (action, statuses, actor, time, note, payload);
- `change.dossier`: the dossier as saved (with its procedure and agencies loaded);
- `change.before`: a `DossierState` of the row before the action (None when it created the
  dossier); `change.after`: the same after it.

A listener writes its own rows in the same transaction (the portal's outbox message, the
indicators' counters), so they commit or roll back with the change; it must not write to the
dossier. `dossiers` imports no listener: integrations and indicators connect in their
`AppConfig.ready()`. Writes that bypass the door (`dossiers.models.bulk_writes()`) send
nothing.
"""

from django.dispatch import Signal

# sender: the Dossier class; kwargs: change (DossierChange)
dossier_changed = Signal()
