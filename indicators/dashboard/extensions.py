"""Panels the apps above add to the dashboard (the watchdog's, docs/watchdog.md): each is a
function of (filters, period, now) returning a dict the page's template reads under its name.
Registered in the app's `ready()`, so `indicators` imports nothing above it."""

from __future__ import annotations

from collections.abc import Callable

_PANELS: dict[str, Callable] = {}


def register(name: str, panel: Callable) -> None:
    _PANELS[name] = panel


def panels(filters, period, now) -> dict[str, dict]:
    return {name: panel(filters, period, now) for name, panel in _PANELS.items()}
