"""The state diagram of a dossier, generated from the state machine itself (never by hand)."""

from __future__ import annotations

from django.utils import translation
from django_fsm import ANY_STATE

from .models import CLOSED, Dossier, DossierStatus
from .models.status import status_values

HEADER = """# The dossier state machine

Generated from `Dossier.status` (django-fsm-2) by `python manage.py export_state_diagram`;
do not edit by hand — `tests/dossiers/test_diagram.py` fails when this file and the code
disagree. A dossier filed at the counter is created directly in `received`. (The national
portal's code of each state is in docs/portal-sync.md.)
"""


def transitions() -> list[tuple[str, str, str, list[str], str]]:
    """(source, target, action, condition names, permission name), sorted."""
    rows = []
    for transition in Dossier._meta.get_field("status").get_all_transitions(Dossier):
        source = transition.source
        sources = DossierStatus.values if source == ANY_STATE else [source]
        for src in sources:
            target = transition.target
            if target is None:
                targets = [src]
            elif hasattr(target, "allowed_states"):
                targets = list(target.allowed_states)
            else:
                targets = [target]
            for dst in targets:
                rows.append(
                    (
                        str(src),
                        str(dst),
                        transition.name,
                        [c.__name__ for c in transition.conditions],
                        getattr(transition.permission, "__name__", ""),
                    )
                )
    return sorted({(s, t, a, tuple(c), p) for s, t, a, c, p in rows})


def mermaid() -> str:
    lines = ["stateDiagram-v2"]
    for status in DossierStatus:
        lines.append(f"    {status.value}: {status.value} ({status.label})")
    lines.append("    [*] --> new: submit (online)")
    lines.append("    [*] --> received: intake (counter)")
    for source, target, action, conditions, _perm in transitions():
        label = action + (f" [{', '.join(conditions)}]" if conditions else "")
        lines.append(f"    {source} --> {target}: {label}")
    for final in status_values(CLOSED):
        lines.append(f"    {final} --> [*]")
    return "\n".join(lines)


def markdown() -> str:
    """The page, with the states' Vietnamese labels (whatever language is active)."""
    with translation.override("vi"):
        return _markdown()


def _markdown() -> str:
    table = [
        "| action | from | to | conditions | who (permission) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for source, target, action, conditions, perm in transitions():
        table.append(
            f"| `{action}` | {source} | {target} | {', '.join(conditions) or '—'} | `{perm}` |"
        )
    return f"{HEADER}\n```mermaid\n{mermaid()}\n```\n\n" + "\n".join(table) + "\n"
