"""References in the code and the docs point inside the repository: to no design file outside it,
and only to docs/ pages that exist."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP = {".git", ".venv", "var", "node_modules", "results"}
SUFFIXES = {".py", ".md", ".sh", ".toml", ".lock", ".txt", ".html", ".js", ".css"}


def _files():
    for path in ROOT.rglob("*"):
        if path.suffix in SUFFIXES and not SKIP & set(path.relative_to(ROOT).parts):
            yield path


def test_no_reference_to_the_design_files_outside_the_repository():
    outside = re.compile(r"shared/design")
    # Outside docs/, a design page is named by its path (docs/domain.md); inside, by its file name.
    bare = re.compile(r"(?<![\w/])(domain|architecture|operations)\.md")
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _files()
        if path != Path(__file__)
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if outside.search(line) or (path.parent != ROOT / "docs" and bare.search(line))
    ]
    assert found == []


def test_named_docs_pages_exist():
    missing = sorted(
        f"{path.relative_to(ROOT)}: {name}"
        for path in _files()
        for name in set(
            re.findall(r"(?<![\w/.])docs/[\w./-]+?\.md", path.read_text(errors="replace"))
        )
        if not (ROOT / name).exists()
    )
    assert missing == []
