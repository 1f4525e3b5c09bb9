"""`chaff dedup` settings: flag > environment variable > default, bad values refused."""

from __future__ import annotations

import argparse

import pytest

from worker.dedup.commands import config_from_args, register


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser.parse_args(["dedup", *argv])


def test_defaults_then_environment_then_flags(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHAFF_DEDUP_TOPIC", "CHAFF_DEDUP_THRESHOLD", "CHAFF_ARTICLES_TOPIC"):
        monkeypatch.delenv(name, raising=False)
    config = config_from_args(parse())
    assert (config.duplicates_topic, config.threshold, config.bands) == (
        "pages.duplicates",
        0.8,
        16,
    )
    assert config.articles_topic == "pages.articles"
    assert config.pages_per_partition == 200_000 // 8

    monkeypatch.setenv("CHAFF_DEDUP_TOPIC", "env.dups")
    monkeypatch.setenv("CHAFF_DEDUP_THRESHOLD", "0.9")
    monkeypatch.setenv("CHAFF_ARTICLES_TOPIC", "env.articles")
    config = config_from_args(parse())
    assert (config.duplicates_topic, config.threshold) == ("env.dups", 0.9)
    assert config.articles_topic == "env.articles"

    config = config_from_args(parse("--duplicates-topic", "flag.dups", "--bands", "32"))
    assert (config.duplicates_topic, config.bands) == ("flag.dups", 32)


@pytest.mark.parametrize(
    ("env", "value", "message"),
    [
        ("CHAFF_DEDUP_PARTITIONS", "many", "is not a valid int"),
        ("CHAFF_DEDUP_WINDOW_PAGES", "0", "--window-pages must be > 0"),
        ("CHAFF_DEDUP_THRESHOLD", "1.5", "--threshold must be in"),
        ("CHAFF_DEDUP_BANDS", "12", "--bands must divide 128"),
    ],
)
def test_bad_settings_are_refused_with_the_reason(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, message: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(SystemExit, match=message):
        config_from_args(parse())
