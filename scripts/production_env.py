"""Run a command in the production environment that README.md documents.

    python scripts/production_env.py [--print] [-- COMMAND ARG ...]

The environment is the block of README.md's "Production" section between the markers
`<!-- production-environment -->` and `<!-- /production-environment -->` (NAME=value lines; `#`
comments), with each `CHANGE_ME` (the placeholder of a secret) replaced by a random value, plus
PATH, and nothing else of the caller's environment. `scripts/dev.sh test` (so CI) runs
`manage.py check --deploy --fail-level WARNING` this way; tests/config/test_production.py reads
the same block. `--print` shows the variables (secrets masked).
"""

from __future__ import annotations

import base64
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BEGIN, END = "<!-- production-environment -->", "<!-- /production-environment -->"
PLACEHOLDER = "CHANGE_ME"
LINE = re.compile(r"^([A-Z][A-Z0-9_]*)=(.*)$")


def documented(readme: Path = README) -> dict[str, str]:
    """The variables of the block, as written (placeholders kept)."""
    text = readme.read_text(encoding="utf-8")
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{readme.name}: no {BEGIN} … {END} block")
    variables: dict[str, str] = {}
    for raw in text[start + len(BEGIN) : end].splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "```")):
            continue
        match = LINE.match(line)
        if not match:
            raise SystemExit(f"{readme.name}: not NAME=value in the production block: {raw!r}")
        name, value = match.groups()
        if name in variables:
            raise SystemExit(f"{readme.name}: {name} twice in the production block")
        variables[name] = value
    return variables


def _random(name: str) -> str:
    """A random secret for the placeholder of `name`: a Fernet key (32 random bytes in URL-safe
    base64) for the keys of personal data at rest, 50 random characters otherwise."""
    if name == "ONECUA_FIELD_KEYS":
        return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_urlsafe(50)


def environment(readme: Path = README) -> dict[str, str]:
    """The block with every placeholder replaced by a random value, plus PATH."""
    env = {
        name: value.replace(PLACEHOLDER, _random(name))
        for name, value in documented(readme).items()
    }
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **env}


def main(argv: list[str]) -> int:
    show = "--print" in argv[: argv.index("--") if "--" in argv else len(argv)]
    command = argv[argv.index("--") + 1 :] if "--" in argv else []
    env = environment()
    if show or not command:
        for name, value in documented().items():
            print(f"{name}={value.replace(PLACEHOLDER, '<random>')}")
    if not command:
        return 0
    return subprocess.run(command, env=env, cwd=ROOT, check=False).returncode  # noqa: S603


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
