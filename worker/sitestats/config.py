"""Settings of the sitestats job, free of faust so `chaff --help` does not import it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SiteStatsConfig:
    bootstrap_servers: str
    articles_topic: str
    rejects_topic: str
    dead_letter_topic: str
    snapshot_topic: str = "pages.site-stats"
    app_id: str = "chaff-sitestats"
    snapshot_interval_s: float = 10.0
    partitions: int = 8
    replication_factor: int = 1
    data_dir: str = ".chaff/sitestats"
    session_timeout_s: float = 60.0
    # faust's broker_credentials (TLS, SASL); None: PLAINTEXT. Made by the command.
    credentials: object = None
