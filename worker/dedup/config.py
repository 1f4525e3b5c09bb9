"""Settings of the dedup job, free of faust so `chaff --help` does not import it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class DedupConfig:
    bootstrap_servers: str
    articles_topic: str
    duplicates_topic: str = "pages.duplicates"
    app_id: str = "chaff-dedup"
    threshold: float = 0.8
    num_perm: int = 128
    bands: int = 16
    window_hours: float = 24.0
    window_pages: int = 200_000
    bucket_capacity: int = 16
    partitions: int = 8
    replication_factor: int = 1
    batch_articles: int = 100
    batch_wait_ms: int = 200
    session_timeout_s: float = 60.0
    data_dir: str = ".chaff/dedup"
    metrics_port: int = 9410  # 0: no metrics endpoint
    # faust's broker_credentials (TLS, SASL); None: PLAINTEXT. Made by the command.
    credentials: object = None

    @property
    def window_ms(self) -> int:
        return int(self.window_hours * 3600 * 1000)

    @property
    def pages_per_partition(self) -> int:
        """The count bound of each table partition: the window's pages over the partitions."""
        return max(1, self.window_pages // self.partitions)
