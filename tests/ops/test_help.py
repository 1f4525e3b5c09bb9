"""Every `--help` answers the question: each option says what it does, and what it
defaults to where the default comes from the settings."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

from worker.cli import build_parser


def commands(
    parser: argparse.ArgumentParser, prefix: str = "chaff"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield prefix, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from commands(sub, f"{prefix} {name}")


def options(parser: argparse.ArgumentParser) -> Iterator[argparse.Action]:
    for action in parser._actions:
        if action.option_strings and not isinstance(
            action, argparse._HelpAction | argparse._VersionAction
        ):
            yield action


def test_every_option_of_every_command_has_a_help_text() -> None:
    silent = [
        f"{name} {action.option_strings[0]}"
        for name, parser in commands(build_parser())
        for action in options(parser)
        if not (action.help or "").strip()
    ]
    assert not silent, f"options without help: {silent}"


def test_log_level_help_names_every_level_it_accepts() -> None:
    for name, parser in commands(build_parser()):
        for action in options(parser):
            if action.option_strings[0] == "--log-level" and action.choices:
                missing = [c for c in action.choices if c not in (action.help or "")]
                assert not missing, f"{name} --log-level accepts {missing} but does not say so"


def test_replay_help_shows_default_values_not_only_variable_names() -> None:
    replay = dict(commands(build_parser()))["chaff replay"]
    text = replay.format_help()
    for value in ("pages.articles", "pages.rejects", "pages.raw", "127.0.0.1:9092"):
        assert value in text.replace("\n", " ").replace("- ", "-"), value
