"""Worker settings: one frozen object, read from `CHAFF_*` environment variables in one place.

Precedence: command-line flag > environment variable > default. Every field carries its
environment variable and help text, so the CLI flags, `chaff run --help` and the README's
configuration table all come from this one list.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


def _setting(
    default: Any,
    env: str,
    help: str,
    choices: tuple[str, ...] | None = None,
    secret: bool = False,
) -> Any:
    """A secret has no flag (a command line is visible to every user of the host, in `ps`)
    and is masked wherever settings are shown."""
    metadata = {"env": env, "help": help, "choices": choices, "secret": secret}
    return field(default=default, metadata=metadata)


# The codecs Kafka defines; every one is a dependency, so any of them can be read.
COMPRESSION_TYPES = ("zstd", "lz4", "snappy", "gzip", "none")
SECURITY_PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
# "" = no SASL. OAUTHBEARER is not offered: kafka-python needs a token-provider object.
SASL_MECHANISMS = ("", "PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


@dataclass(frozen=True, slots=True)
class Settings:
    bootstrap_servers: str = _setting(
        "127.0.0.1:9092", "CHAFF_BOOTSTRAP_SERVERS", "Kafka bootstrap servers, comma-separated."
    )
    security_protocol: str = _setting(
        "PLAINTEXT",
        "CHAFF_SECURITY_PROTOCOL",
        "How to talk to the brokers: PLAINTEXT, SSL (TLS), SASL_PLAINTEXT or SASL_SSL.",
        SECURITY_PROTOCOLS,
    )
    ssl_cafile: str = _setting(
        "",
        "CHAFF_SSL_CAFILE",
        "PEM file of the CA(s) that signed the brokers' certificates (default: the system's).",
    )
    ssl_certfile: str = _setting(
        "", "CHAFF_SSL_CERTFILE", "PEM client certificate, for brokers that require mTLS."
    )
    ssl_keyfile: str = _setting("", "CHAFF_SSL_KEYFILE", "PEM private key of that certificate.")
    ssl_key_password: str = _setting(
        "", "CHAFF_SSL_KEY_PASSWORD", "Password of an encrypted client key.", secret=True
    )
    ssl_check_hostname: bool = _setting(
        True,
        "CHAFF_SSL_CHECK_HOSTNAME",
        "Check that each broker's certificate names the host connected to.",
    )
    sasl_mechanism: str = _setting(
        "",
        "CHAFF_SASL_MECHANISM",
        "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512 (with SASL_PLAINTEXT or SASL_SSL).",
        SASL_MECHANISMS,
    )
    sasl_username: str = _setting("", "CHAFF_SASL_USERNAME", "SASL user name.")
    sasl_password: str = _setting(
        "", "CHAFF_SASL_PASSWORD", "SASL password (or --sasl-password-file).", secret=True
    )
    sasl_password_file: str = _setting(
        "",
        "CHAFF_SASL_PASSWORD_FILE",
        "File whose first line is the SASL password (a mounted secret).",
    )
    raw_topic: str = _setting("pages.raw", "CHAFF_RAW_TOPIC", "Topic the scrapers publish to.")
    articles_topic: str = _setting(
        "pages.articles", "CHAFF_ARTICLES_TOPIC", "Topic for clean article records."
    )
    rejects_topic: str = _setting(
        "pages.rejects", "CHAFF_REJECTS_TOPIC", "Topic for rejected segments."
    )
    dead_letter_topic: str = _setting(
        "pages.dead-letter", "CHAFF_DEAD_LETTER_TOPIC", "Topic for input that cannot be processed."
    )
    group_id: str = _setting("chaff", "CHAFF_GROUP_ID", "Kafka consumer group of the workers.")
    processes: int = _setting(1, "CHAFF_PROCESSES", "Worker processes to run on this host.")
    exactly_once: bool = _setting(
        False, "CHAFF_EXACTLY_ONCE", "Run each batch as a Kafka transaction (exactly-once)."
    )
    site_memory: str = _setting(
        "off",
        "CHAFF_SITE_MEMORY",
        "on: each raw partition's sites are remembered (their last pages' segments), kept "
        "text a site repeats is rejected, and profiles are checkpointed to the site-memory "
        "topic; off: every page alone.",
        ("on", "off"),
    )
    site_memory_topic: str = _setting(
        "pages.site-memory",
        "CHAFF_SITE_MEMORY_TOPIC",
        "Compacted changelog of the site profiles (key: site; as many partitions as the raw "
        "topic).",
    )
    max_page_bytes: int = _setting(
        2_000_000, "CHAFF_MAX_PAGE_BYTES", "Larger raw records go to the dead-letter topic."
    )
    max_output_bytes: int = _setting(
        1_000_000,
        "CHAFF_MAX_OUTPUT_BYTES",
        "A page whose output record would be larger goes to the dead-letter topic instead.",
    )
    instance_id: str = _setting(
        "",
        "CHAFF_INSTANCE_ID",
        "Stable name of this worker host (default: the hostname and the state directory's "
        "id); with a slot no live process holds it makes the group.instance.id and the "
        "transactional.id, which a restarted worker inherits.",
    )
    state_dir: str = _setting(
        "",
        "CHAFF_STATE_DIR",
        "Local directory of the slot lock files that keep those names unique per live "
        "process (default: $TMPDIR/chaff-<uid>); not writable: the worker refuses to start.",
    )
    static_membership: bool = _setting(
        True,
        "CHAFF_STATIC_MEMBERSHIP",
        "Join the group as a static member (group.instance.id): a worker restarted within "
        "the session timeout takes its partitions back without a rebalance.",
    )
    session_timeout_s: float = _setting(
        45.0,
        "CHAFF_SESSION_TIMEOUT_S",
        "How long the group waits for a silent (killed, hung) worker before its partitions "
        "move to the others.",
    )
    max_poll_records: int = _setting(
        200, "CHAFF_MAX_POLL_RECORDS", "Most records handled in one batch."
    )
    poll_timeout_ms: int = _setting(500, "CHAFF_POLL_TIMEOUT_MS", "How long one poll waits.")
    shutdown_timeout_s: float = _setting(
        20.0, "CHAFF_SHUTDOWN_TIMEOUT_S", "Bound on a graceful shutdown after SIGTERM."
    )
    metrics_port: int = _setting(
        9400,
        "CHAFF_METRICS_PORT",
        "Port of /metrics, /healthz, /readyz (process i of --processes uses port+i; 0 = off).",
    )
    metrics_host: str = _setting(
        "0.0.0.0",
        "CHAFF_METRICS_HOST",
        "Address the metrics and health endpoint binds: 0.0.0.0 = every interface (what a "
        "container needs), 127.0.0.1 = this host only.",
    )
    compression_type: str = _setting(
        "zstd",
        "CHAFF_COMPRESSION_TYPE",
        "Codec of the records Chaff publishes: zstd, lz4, snappy, gzip or none. Input in "
        "any of them is read.",
        COMPRESSION_TYPES,
    )
    undecodable_retry_s: float = _setting(
        30.0,
        "CHAFF_UNDECODABLE_RETRY_S",
        "A raw partition whose batch cannot be decoded is paused (the others go on) and "
        "fetched again after this many seconds.",
    )
    malloc_trim_threshold: int = _setting(
        4 * 1024 * 1024,
        "CHAFF_MALLOC_TRIM_THRESHOLD",
        "Bytes of free memory glibc's malloc keeps at the top of its heap between pages "
        "(M_TRIM_THRESHOLD): less page faulting per record for at most this much RSS. 0 "
        "leaves glibc's own (128 KiB here); ignored off glibc and when MALLOC_* or "
        "GLIBC_TUNABLES malloc variables are set.",
    )
    log_level: str = _setting("INFO", "CHAFF_LOG_LEVEL", "Log level: DEBUG, INFO, WARNING, ERROR.")

    def __post_init__(self) -> None:
        for spec in dataclasses.fields(self):
            choices = spec.metadata.get("choices")
            if choices is not None and getattr(self, spec.name) not in choices:
                raise SystemExit(
                    f"chaff: {spec.metadata['env']}={getattr(self, spec.name)!r} is not one of "
                    f"{', '.join(choices)}"
                )

    @property
    def kafka_compression(self) -> str | None:
        """kafka-python's compression_type (None: uncompressed)."""
        return None if self.compression_type == "none" else self.compression_type

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then `CHAFF_*` variables, then explicit overrides that are not None."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            raw = environ.get(spec.metadata["env"])
            if raw is not None and raw != "":
                values[spec.name] = _parse(raw, type(spec.default), spec.metadata["env"])
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)


def _parse(raw: str, kind: type, env: str) -> Any:
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        return kind(raw)
    except ValueError:
        raise SystemExit(f"chaff: {env}={raw!r} is not a valid {kind.__name__}") from None


def configuration_table() -> str:
    """The README's configuration table, in Markdown."""
    rows = ["| flag | environment variable | default | meaning |", "|---|---|---|---|"]
    for spec in dataclasses.fields(Settings):
        flag = "—" if spec.metadata.get("secret") else f"`--{spec.name.replace('_', '-')}`"
        rows.append(
            f"| {flag} | `{spec.metadata['env']}` | `{spec.default}` | {spec.metadata['help']} |"
        )
    return "\n".join(rows)


# A setting whose name holds one of these is shown masked (a SASL password, a token), as is
# every `secret` setting; a `..._file` setting holds a path, not the secret.
SECRET_NAME_PARTS = ("password", "secret", "token")


def is_secret(spec: dataclasses.Field[Any]) -> bool:
    if spec.metadata.get("secret"):
        return True
    return any(p in spec.name for p in SECRET_NAME_PARTS) and not spec.name.endswith("_file")


def effective_configuration(
    settings: Any, flags: Mapping[str, Any], environ: Mapping[str, str] | None = None
) -> str:
    """What will run: each setting's value and where it came from (flag, environment or
    default), secrets masked. `settings` is a Settings (or a dataclass of `_setting`
    fields); `flags` holds the command line's values (None: not given)."""
    environ = os.environ if environ is None else environ
    rows = ["| setting | value | from |", "|---|---|---|"]
    for spec in dataclasses.fields(settings):
        env = spec.metadata["env"]
        flag = env if spec.metadata.get("secret") else "--" + spec.name.replace("_", "-")
        if flags.get(spec.name) is not None:
            source = f"flag `{flag}`"
        elif environ.get(env):
            source = f"environment `{env}`"
        else:
            source = "default"
        value = getattr(settings, spec.name)
        if value and is_secret(spec):
            value = "****"
        rows.append(f"| `{flag}` | `{value}` | {source} |")
    return "\n".join(rows)
