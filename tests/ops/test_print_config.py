"""`chaff run --print-config` prints what will run, and where each value came from."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys

from worker.config import Settings, _setting, effective_configuration


def print_config(*flags: str, **environ: str) -> dict[str, tuple[str, str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHAFF_")} | environ
    out = subprocess.run(
        [sys.executable, "-m", "worker", "run", "--print-config", *flags],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    rows = [line.strip("|").split("|") for line in out.splitlines()[2:]]
    return {flag.strip(" `"): (value.strip(" `"), source.strip()) for flag, value, source in rows}


def test_flags_and_environment_show_as_what_will_run() -> None:
    table = print_config("--group-id", "foo", CHAFF_PROCESSES="4")
    assert table["--group-id"] == ("foo", "flag `--group-id`")
    assert table["--processes"] == ("4", "environment `CHAFF_PROCESSES`")
    assert table["--raw-topic"] == ("pages.raw", "default")
    assert len(table) == len(Settings.__dataclass_fields__)


def test_a_flag_wins_over_the_environment() -> None:
    table = print_config("--processes", "2", CHAFF_PROCESSES="4")
    assert table["--processes"] == ("2", "flag `--processes`")


def test_secrets_are_masked_and_their_source_still_shown() -> None:
    @dataclasses.dataclass(frozen=True)
    class WithSecret:
        sasl_password: str = _setting("", "CHAFF_SASL_PASSWORD", "SASL password.")
        sasl_username: str = _setting("", "CHAFF_SASL_USERNAME", "SASL user.")

    text = effective_configuration(
        WithSecret("hunter2", "chaff"), {"sasl_username": "chaff"}, {"CHAFF_SASL_PASSWORD": "x"}
    )
    assert "hunter2" not in text
    assert "| `--sasl-password` | `****` | environment `CHAFF_SASL_PASSWORD` |" in text
    assert "| `--sasl-username` | `chaff` | flag `--sasl-username` |" in text
