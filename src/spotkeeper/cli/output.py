"""Shared terminal output: a rich console for people, plain JSON for scripts."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from spotkeeper.spec.problems import Problem

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)


def emit_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=False, default=str) + "\n")


def print_problems(problems: list[Problem], *, title: str) -> None:
    if not problems:
        return
    style = "red" if problems[0].severity == "error" else "yellow"
    console.print(f"[bold {style}]{title}[/]")
    for problem in problems:
        console.print(
            f"  {problem.field or '(node)'}: {problem.message} [dim]\\[{problem.code}][/]", soft_wrap=True
        )
