"""The README's usage section names every ``borne`` command, and the subcommands of the tag, SIP2, reader,
simulator, config and pilot commands, as the parser really defines them (a command nobody can discover is not
finished)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from kiosk.cli import build_parser

README = Path(__file__).resolve().parents[1] / "README.md"
DETAILED_GROUPS = ("tag", "sip2", "reader", "sim", "config", "pilot")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _code_spans() -> list[str]:
    """Inline code of the README that shows a ``borne`` command line."""
    text = re.sub(r"```.*?```", "", README.read_text(encoding="utf-8"), flags=re.DOTALL)  # fenced blocks
    return [span for span in re.findall(r"`([^`\n]+)`", text) if span.startswith("borne ")]


def _tokens(span: str) -> set[str]:
    return set(re.split(r"[\s|\[\]()]+", span))


COMMANDS = _subcommands(build_parser())


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_every_command_is_in_the_readme(command: str) -> None:
    assert any(span.split()[1] == command for span in _code_spans()), f"`borne {command}` is not in README.md"


@pytest.mark.parametrize(("group", "action"), [
    (group, action) for group in DETAILED_GROUPS for action in sorted(_subcommands(COMMANDS[group]))
])
def test_every_subcommand_is_in_the_readme(group: str, action: str) -> None:
    spans = [span for span in _code_spans() if span.split()[1] == group]
    assert any(action in _tokens(span) for span in spans), f"`borne {group} {action}` is not in README.md"
