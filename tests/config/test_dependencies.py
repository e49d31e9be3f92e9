"""pyproject.toml declares what the code imports (README "Dependencies"): every third-party
module the application imports comes from a distribution in [project].dependencies, and every one
the tests and benchmarks import from a declared distribution (runtime or dev) or what it brings.
"""

import ast
import contextlib
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPLICATION = [
    "accounts",
    "config",
    "core",
    "documents",
    "dossiers",
    "indicators",
    "integrations",
    "organisations",
    "outbox",
    "payments",
    "procedures",
    "scripts",
]
# The project's packages, and the sibling modules that scripts and benchmarks import.
LOCAL = {path.name for path in ROOT.iterdir() if path.is_dir()} | {
    path.stem for folder in (".", "bench", "scripts") for path in (ROOT / folder).glob("*.py")
}


def _name(requirement: str) -> str:
    return re.sub(r"[-_.]+", "-", re.match(r"[A-Za-z0-9_.-]+", requirement).group()).lower()


def _declared() -> tuple[set[str], set[str]]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = {_name(r) for r in project["dependencies"]}
    dev = {_name(r) for r in project["optional-dependencies"]["dev"]}
    return runtime, dev


def _imports(folders: list[str]) -> dict[str, str]:
    """Top-level third-party module → a file that imports it."""
    found = {}
    for folder in folders:
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.Import):
                    names = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top not in sys.stdlib_module_names and top not in LOCAL:
                        found.setdefault(top, str(path.relative_to(ROOT)))
    return found


def _distributions(module: str) -> set[str]:
    return {_name(d) for d in metadata.packages_distributions().get(module, [])}


def _undeclared(imports: dict[str, str], allowed: set[str]) -> list[str]:
    return sorted(
        f"{module} ({where})"
        for module, where in imports.items()
        if not _distributions(module) & allowed
    )


def test_the_application_imports_only_declared_dependencies():
    runtime, _ = _declared()
    assert _undeclared(_imports(APPLICATION), runtime) == []


def test_tests_and_benchmarks_import_declared_dependencies():
    runtime, dev = _declared()
    # What the declared distributions bring (celery[redis] → kombu[redis] → redis, …).
    allowed, todo = set(), list(runtime | dev)
    while todo:
        name = todo.pop()
        if name not in allowed:
            allowed.add(name)
            # (A dependency for another platform is not installed: nothing to follow.)
            with contextlib.suppress(metadata.PackageNotFoundError):
                todo += [_name(r) for r in metadata.requires(name) or []]
    imports = {
        module: where
        for module, where in _imports(["tests", "bench"]).items()
        # tests/migrations/fill_v1.py runs against the previous commit's code (its `onecua` app).
        if module != "onecua"
    }
    assert _undeclared(imports, allowed) == []
