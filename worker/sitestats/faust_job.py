"""What the two faust stream jobs (`chaff sitestats`, `chaff dedup`) share: the faust app's
settings, and the command-line options of a job's own settings and log level."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import faust

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")
# flag -> (environment variable, type, default, help); flag > environment > default.
OwnSettings = Mapping[str, tuple[str, type, Any, str]]


class JobConfig(Protocol):
    """The settings of a job that its faust app is built from."""

    @property
    def app_id(self) -> str: ...
    @property
    def bootstrap_servers(self) -> str: ...
    @property
    def data_dir(self) -> str: ...
    @property
    def partitions(self) -> int: ...
    @property
    def replication_factor(self) -> int: ...
    @property
    def credentials(self) -> Any: ...
    @property
    def session_timeout_s(self) -> float: ...


def job_app(config: JobConfig) -> faust.App:
    """An at-least-once faust app with in-memory tables (their changelogs restore them),
    no web server and no autodiscovery."""
    import faust  # here, not above: the commands import this module, and `--help` stays fast

    return faust.App(
        config.app_id,
        broker=[f"kafka://{server.strip()}" for server in config.bootstrap_servers.split(",")],
        store="memory://",
        datadir=config.data_dir,
        processing_guarantee="at_least_once",
        topic_partitions=config.partitions,
        topic_replication_factor=config.replication_factor,
        table_standby_replicas=0,
        broker_credentials=config.credentials,
        broker_session_timeout=config.session_timeout_s,
        broker_heartbeat_interval=min(3.0, config.session_timeout_s / 3),
        consumer_auto_offset_reset="earliest",
        web_enabled=False,
        autodiscover=False,
    )


def add_job_arguments(parser: argparse.ArgumentParser, job: str, own: OwnSettings) -> None:
    """The job's own settings as flags (each naming its environment variable and default),
    and --log-level."""
    group = parser.add_argument_group(f"{job} settings (flag > environment variable > default)")
    for name, (env, kind, default, help_text) in own.items():
        group.add_argument(
            "--" + name.replace("_", "-"),
            type=kind,
            default=None,
            help=f"{help_text} [${env}, default {default!r}]",
        )
    parser.add_argument(
        "--log-level",
        type=str.upper,
        choices=LOG_LEVELS,
        default=None,
        help=f"log level, one of {', '.join(LOG_LEVELS)} [$CHAFF_LOG_LEVEL, default 'INFO']",
    )


def own_settings_from_args(args: argparse.Namespace, own: OwnSettings) -> dict[str, Any]:
    """The job's own settings: the flag, else the environment variable, else the default;
    an environment value of the wrong type ends the command with one line saying so."""
    values: dict[str, Any] = {}
    for name, (env, kind, default, _) in own.items():
        flag_value = getattr(args, name, None)
        env_value = os.environ.get(env, "")
        if flag_value is not None:
            values[name] = flag_value
        elif env_value:
            try:
                values[name] = kind(env_value)
            except ValueError:
                message = f"chaff: {env}={env_value!r} is not a valid {kind.__name__}"
                raise SystemExit(message) from None
        else:
            values[name] = default
    return values
