"""`chaff sitestats` settings: flag > environment variable > default, bad values refused."""

from __future__ import annotations

import argparse

import pytest

from worker.sitestats.commands import config_from_args, register


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(["sitestats", *argv])


def test_defaults_then_environment_then_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHAFF_SITESTATS_TOPIC", "CHAFF_SITESTATS_PARTITIONS", "CHAFF_ARTICLES_TOPIC"):
        monkeypatch.delenv(name, raising=False)
    config = config_from_args(parse())
    assert (config.snapshot_topic, config.partitions) == ("pages.site-stats", 8)
    assert config.articles_topic == "pages.articles"

    monkeypatch.setenv("CHAFF_SITESTATS_TOPIC", "env.stats")
    monkeypatch.setenv("CHAFF_SITESTATS_PARTITIONS", "3")
    monkeypatch.setenv("CHAFF_ARTICLES_TOPIC", "env.articles")
    config = config_from_args(parse())
    assert (config.snapshot_topic, config.partitions) == ("env.stats", 3)
    assert config.articles_topic == "env.articles"

    config = config_from_args(parse("--snapshot-topic", "flag.stats", "--partitions", "5"))
    assert (config.snapshot_topic, config.partitions) == ("flag.stats", 5)


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("CHAFF_SITESTATS_PARTITIONS", "many", "is not a valid int"),
        ("CHAFF_SITESTATS_INTERVAL_S", "0", "must be > 0"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, message: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(SystemExit, match=message):
        config_from_args(parse())
