"""The access log sits below documents and dossiers (docs/architecture.md): it imports none of
the apps above it, and nothing points from its table to theirs."""

import ast
from pathlib import Path

from django.conf import settings

from accesslog.migrations import __path__ as migrations_path

ROOT = Path(settings.BASE_DIR)
# What the access log may import: the framework, and the apps below it.
ALLOWED = {
    "__future__",
    "collections",
    "dataclasses",
    "datetime",
    "django",
    "django_filters",
    "drf_spectacular",
    "rest_framework",
    "accesslog",
    "accounts",
    "core",
    "organisations",
}


def imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def test_the_access_log_imports_only_what_is_below_it():
    wrong = {
        str(path.relative_to(ROOT)): sorted(imported_packages(path) - ALLOWED)
        for path in (ROOT / "accesslog").rglob("*.py")
        if imported_packages(path) - ALLOWED
    }
    assert wrong == {}


def test_its_migrations_depend_on_no_other_app():
    for path in Path(migrations_path[0]).glob("0*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and any(
                getattr(t, "id", None) == "dependencies" for t in node.targets
            ):
                apps = {element.elts[0].value for element in node.value.elts}
                assert apps <= {"accesslog"}, (path.name, apps)
