"""Panels the apps above add to the "My work" page (Việc của tôi), e.g. the counter's next
queue ticket of `servicecentre`: each is a function of the request returning a context dict
for its template (or None: nothing to show), registered in the app's `ready()`, so
`workspace` imports nothing above it — the same pattern as indicators/dashboard/extensions.py.

    # servicecentre/apps.py
    def ready(self):
        from workspace import extensions
        extensions.register("next_ticket", next_ticket_panel, "servicecentre/next_ticket.html")

The page renders the panels in the order registered, in the slot marked "panels" of
workspace/my_work.html; a panel that raises is left out (and logged), never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Panel:
    name: str
    context: Callable  # (request) -> dict | None
    template: str


_PANELS: dict[str, Panel] = {}


def register(name: str, context: Callable, template: str) -> None:
    _PANELS[name] = Panel(name, context, template)


def unregister(name: str) -> None:
    _PANELS.pop(name, None)


def panels(request) -> list[dict]:
    """The registered panels with their context, those with something to show."""
    shown = []
    for panel in _PANELS.values():
        try:
            context = panel.context(request)
        except Exception:  # a panel never takes the page down
            logger.exception("workspace panel %s failed", panel.name)
            continue
        if context is not None:
            shown.append({"name": panel.name, "template": panel.template, "context": context})
    return shown
