from pathlib import Path

from django.conf import settings

from dossiers.diagram import markdown, transitions


def test_committed_diagram_matches_the_state_machine():
    committed = (Path(settings.BASE_DIR) / "docs" / "state-diagram.md").read_text("utf-8")
    assert committed == markdown(), "run: python manage.py export_state_diagram"


def test_diagram_covers_every_action_and_the_key_edges():
    edges = {(s, t, a) for s, t, a, _c, _p in transitions()}
    assert ("new", "received", "receive") in edges
    assert ("processing", "result_ready", "approve") in edges
    assert ("supplement_requested", "processing", "supplement") in edges
    assert ("processing", "processing", "reschedule") in edges
    assert not any(s in ("result_ready", "returned") and a == "withdraw" for s, _t, a in edges)
