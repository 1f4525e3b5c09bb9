"""Chaff's commands against a secured broker: the right credentials work end to end (SASL_SSL
with SCRAM, mTLS); a wrong password, an untrusted CA, plaintext against the TLS port and a
missing ACL each end the command with one clear line and the documented exit code, and
leave the input untouched (nothing committed, nothing published)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from kafka.errors import KafkaError
from kafka_helpers import TopicFactory, admin_client, consume_all, produce_raw
from secured_users import (
    NOBODY_PASSWORD,
    NOBODY_USER,
    PLAIN_PASSWORD,
    PLAIN_USER,
    WORKER_PASSWORD,
    WORKER_USER,
)
from stream.stream_helpers import REPO, Topics, Worker, text_page, wait_for_outcomes

from worker.broker.secured import Acl, SecuredKafka, worker_acls

pytestmark = [pytest.mark.broker]

EXIT_CONNECT, EXIT_NOT_AUTHORIZED = 5, 6


def make_topics(broker: SecuredKafka) -> Topics:
    # Not the session's topic_factory: it would try to delete these at the very end, after
    # the secured broker has stopped, and wait 30 s for it. The broker's data dir goes anyway.
    names = TopicFactory(broker.bootstrap_servers).many(
        "raw", "articles", "rejects", "dead", partitions=2
    )
    return Topics(*names)


def scram_env(broker: SecuredKafka, user: str, mechanism: str = "SCRAM-SHA-512") -> dict[str, str]:
    return {
        "CHAFF_SECURITY_PROTOCOL": "SASL_SSL",
        "CHAFF_SSL_CAFILE": str(broker.ca_file),
        "CHAFF_SASL_MECHANISM": mechanism,
        "CHAFF_SASL_USERNAME": user,
    }


def chaff(
    args: list[str], env: dict[str, str], timeout_s: float = 90
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "worker", *args],
        cwd=REPO,
        env={**os.environ, "CHAFF_METRICS_PORT": "0", **env},
        capture_output=True,
        text=True,
        timeout=timeout_s,
    )


def error_lines(stderr: str) -> list[str]:
    """The ERROR lines of a JSON log, or the plain lines of a command's own message."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    found = []
    for line in lines:
        try:
            record = json.loads(line)
        except ValueError:
            found.append(line)
            continue
        if record.get("level") == "ERROR" and record.get("logger", "").startswith("worker"):
            found.append(record["message"])
    return found


def committed_offsets(broker: SecuredKafka, group: str) -> dict[object, object]:
    # On a fresh broker the offsets topic is made by the first group request: the
    # coordinator is "not available" for a moment.
    deadline = time.monotonic() + 30
    while True:
        try:
            with admin_client(broker.bootstrap_servers) as admin:
                return dict(admin.list_group_offsets(group).get(group, {}))
        except KafkaError as error:
            if not error.retriable or time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def untouched(broker: SecuredKafka, topics: Topics) -> None:
    """Nothing committed by the group, nothing published: every input is still owed."""
    group = topics.env()["CHAFF_GROUP_ID"]
    assert not committed_offsets(broker, group)
    for output in (topics.articles, topics.rejects, topics.dead_letter):
        assert consume_all(broker.bootstrap_servers, output) == []


@pytest.mark.parametrize(
    ("exactly_once", "mechanism", "password_from"),
    [(False, "SCRAM-SHA-512", "file"), (True, "SCRAM-SHA-256", "env")],
    ids=["at_least_once-scram512-file", "exactly_once-scram256-env"],
)
def test_the_worker_runs_over_sasl_ssl_with_its_minimal_acls(
    secured: SecuredKafka,
    tmp_path: Path,
    exactly_once: bool,
    mechanism: str,
    password_from: str,
) -> None:
    topics = make_topics(secured)
    group = topics.env()["CHAFF_GROUP_ID"]
    outputs = (topics.articles, topics.rejects, topics.dead_letter)
    secured.allow(f"User:{WORKER_USER}", worker_acls(topics.raw, outputs, group, exactly_once))
    env = scram_env(secured, WORKER_USER, mechanism)
    if password_from == "file":
        secret = tmp_path / "password"
        secret.write_text(WORKER_PASSWORD + "\n")
        env["CHAFF_SASL_PASSWORD_FILE"] = str(secret)
    else:
        env["CHAFF_SASL_PASSWORD"] = WORKER_PASSWORD
    if exactly_once:
        env["CHAFF_EXACTLY_ONCE"] = "true"
    env["CHAFF_LOG_LEVEL"] = "DEBUG"  # the password must not appear even here

    pages = [text_page(n) for n in range(20)]
    inputs = {
        (m.partition, m.offset) for m in produce_raw(secured.bootstrap_servers, topics.raw, pages)
    }
    worker = Worker(secured.sasl_ssl_bootstrap, topics, tmp_path / "worker.log", env).start()
    try:
        isolation = "read_committed" if exactly_once else "read_uncommitted"
        found = wait_for_outcomes(
            secured.bootstrap_servers, topics, inputs, [worker], 90, isolation
        )
    finally:
        assert worker.terminate() == 0, worker.log()
    assert found == {i: ["article"] for i in inputs}
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert WORKER_PASSWORD not in log

    shown = chaff(["run", "--print-config"], {**env, "CHAFF_SASL_PASSWORD": WORKER_PASSWORD})
    assert shown.returncode == 0, shown.stderr
    assert "| `CHAFF_SASL_PASSWORD` | `****` | environment `CHAFF_SASL_PASSWORD` |" in shown.stdout
    assert WORKER_PASSWORD not in shown.stdout + shown.stderr


FAILURES = {
    "wrong_password": (
        lambda b: {**scram_env(b, WORKER_USER), "CHAFF_SASL_PASSWORD": "not-the-password"},
        "sasl_ssl",
        EXIT_CONNECT,
        "SASL SCRAM-SHA-512 authentication as 'chaff' failed",
    ),
    "untrusted_ca": (
        lambda b: {
            **scram_env(b, WORKER_USER),
            "CHAFF_SASL_PASSWORD": WORKER_PASSWORD,
            "CHAFF_SSL_CAFILE": str(b.untrusted_ca()),
        },
        "sasl_ssl",
        EXIT_CONNECT,
        "is not trusted by",
    ),
    "plaintext_to_tls": (
        lambda b: {"CHAFF_SECURITY_PROTOCOL": "PLAINTEXT"},
        "sasl_ssl",
        EXIT_CONNECT,
        "did not answer a plaintext Kafka request",
    ),
    "missing_acl": (
        lambda b: {**scram_env(b, NOBODY_USER), "CHAFF_SASL_PASSWORD": NOBODY_PASSWORD},
        "sasl_ssl",
        EXIT_NOT_AUTHORIZED,
        "not authorized:",
    ),
    "no_client_certificate": (
        lambda b: {"CHAFF_SECURITY_PROTOCOL": "SSL", "CHAFF_SSL_CAFILE": str(b.ca_file)},
        "ssl",
        EXIT_CONNECT,
        "CHAFF_SSL_CERTFILE",
    ),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_each_misconfiguration_is_one_clear_line_and_its_exit_code(
    secured: SecuredKafka, case: str
) -> None:
    make_env, listener, code, phrase = FAILURES[case]
    topics = make_topics(secured)
    produce_raw(secured.bootstrap_servers, topics.raw, [text_page(n) for n in range(5)])
    bootstrap = secured.sasl_ssl_bootstrap if listener == "sasl_ssl" else secured.ssl_bootstrap
    env = {**topics.env(), "CHAFF_BOOTSTRAP_SERVERS": bootstrap, **make_env(secured)}
    result = chaff(["run"], env, timeout_s=60)
    errors = error_lines(result.stderr)
    assert result.returncode == code, result.stderr[-3000:]
    assert len(errors) == 1 and phrase in errors[0], result.stderr[-3000:]
    print(f"\n[security] {case}: exit {result.returncode}: {errors[0]}")
    assert WORKER_PASSWORD not in result.stderr
    untouched(secured, topics)


def test_mtls_and_sasl_plain_work_for_produce_and_topics(
    secured: SecuredKafka, tmp_path: Path
) -> None:
    topics = make_topics(secured)
    cert, key = secured.client_cert("chaff-mtls")
    secured.allow("User:CN=chaff-mtls", [Acl("topic", topics.raw, "write")])
    page = tmp_path / "page.txt"
    page.write_text("A headline\n\nA paragraph of text that is the article.\n")
    mtls = {
        "CHAFF_BOOTSTRAP_SERVERS": secured.ssl_bootstrap,
        "CHAFF_SECURITY_PROTOCOL": "SSL",
        "CHAFF_SSL_CAFILE": str(secured.ca_file),
        "CHAFF_SSL_CERTFILE": str(cert),
        "CHAFF_SSL_KEYFILE": str(key),
        "CHAFF_RAW_TOPIC": topics.raw,
    }
    produced = chaff(["produce", str(page)], mtls)
    assert produced.returncode == 0, produced.stderr
    assert len(consume_all(secured.bootstrap_servers, topics.raw)) == 1

    prefix = f"sec-{topics.raw}"
    secured.allow(
        f"User:{PLAIN_USER}",
        [Acl("cluster", "", "create"), Acl("topic", prefix, "describe", prefixed=True)],
    )
    plain = {
        "CHAFF_BOOTSTRAP_SERVERS": secured.sasl_ssl_bootstrap,
        **scram_env(secured, PLAIN_USER, "PLAIN"),
        "CHAFF_SASL_PASSWORD": PLAIN_PASSWORD,
        **{
            f"CHAFF_{kind}_TOPIC": f"{prefix}.{kind.lower()}"
            for kind in ("RAW", "ARTICLES", "REJECTS", "DEAD_LETTER")
        },
    }
    created = chaff(["topics", "create", "--partitions", "1"], plain)
    assert created.returncode == 0, created.stderr
    assert created.stdout.count("created") == 4, created.stdout


def test_replay_and_the_demo_work_over_sasl_ssl(secured: SecuredKafka, tmp_path: Path) -> None:
    topics = make_topics(secured)
    prefix = "chaff-demo-"  # the demo's group is chaff-demo-<time>
    secured.allow(
        f"User:{WORKER_USER}",
        [
            Acl("topic", topics.raw, "read"),
            *(
                Acl("topic", t, "write")
                for t in (topics.articles, topics.rejects, topics.dead_letter)
            ),
            Acl("group", f"{topics.env()['CHAFF_GROUP_ID']}-replay-", "read", prefixed=True),
            # the demo makes and reads its own topics (pages.*) and group
            Acl("cluster", "", "create"),
            Acl("topic", "pages.", "all", prefixed=True),
            Acl("group", prefix, "read", prefixed=True),
        ],
    )
    inputs = produce_raw(secured.bootstrap_servers, topics.raw, [text_page(n) for n in range(3)])
    env = {
        **topics.env(),
        "CHAFF_BOOTSTRAP_SERVERS": secured.sasl_ssl_bootstrap,
        **scram_env(secured, WORKER_USER),
        "CHAFF_SASL_PASSWORD": WORKER_PASSWORD,
    }
    replayed = chaff(["replay", "--from-offset", "0", "--bounded"], env)
    assert replayed.returncode == 0, replayed.stderr[-3000:]
    articles = consume_all(secured.bootstrap_servers, topics.articles)
    assert len(articles) == len(inputs)

    demo = chaff(["demo", "--bootstrap-servers", secured.sasl_ssl_bootstrap], env, timeout_s=180)
    assert demo.returncode == 0, demo.stdout + demo.stderr[-3000:]
    assert "pages in:            3" in demo.stdout
    assert WORKER_PASSWORD not in demo.stdout + demo.stderr + replayed.stderr


def test_hostname_verification_is_on_by_default_and_can_be_turned_off(
    secured: SecuredKafka, tmp_path: Path
) -> None:
    """The broker's certificate names 127.0.0.1 only; reached as "localhost" it does not
    match. A mismatch is refused unless CHAFF_SSL_CHECK_HOSTNAME is false."""
    topics = make_topics(secured)
    secured.allow(f"User:{WORKER_USER}", [Acl("topic", topics.raw, "write")])
    page = tmp_path / "page.txt"
    page.write_text("A headline\n\nA paragraph of text that is the article.\n")
    env = {
        "CHAFF_BOOTSTRAP_SERVERS": f"localhost:{secured.sasl_ssl_port}",
        **scram_env(secured, WORKER_USER),
        "CHAFF_SASL_PASSWORD": WORKER_PASSWORD,
        "CHAFF_RAW_TOPIC": topics.raw,
    }
    refused = chaff(["produce", str(page)], env)
    assert refused.returncode == EXIT_CONNECT, refused.stderr
    assert "does not name that host (Hostname mismatch" in refused.stderr, refused.stderr
    print(f"\n[security] hostname mismatch: {refused.stderr.strip()}")
    allowed = chaff(["produce", str(page), "--no-ssl-check-hostname"], env)
    assert allowed.returncode == 0, allowed.stderr[-3000:]
    assert len(consume_all(secured.bootstrap_servers, topics.raw)) == 1


def test_bench_e2e_runs_over_sasl_ssl(secured: SecuredKafka, tmp_path: Path) -> None:
    """`chaff bench e2e --bootstrap-servers` against a secured cluster: its own admin,
    producer and consumers, and the workers it starts, all connect with the environment's
    client settings."""
    secured.allow(
        f"User:{WORKER_USER}",
        [
            Acl("cluster", "", "create"),
            Acl("topic", "bench-", "all", prefixed=True),
            Acl("group", "bench-", "read", prefixed=True),
        ],
    )
    figures = tmp_path / "e2e.json"
    env = {**scram_env(secured, WORKER_USER), "CHAFF_SASL_PASSWORD": WORKER_PASSWORD}
    bench = chaff(
        [
            "bench", "e2e", str(REPO / "tests" / "fixtures" / "wcxb"), "--pages", "12",
            "--latency-seconds", "2", "--soak-seconds", "1",
            "--bootstrap-servers", secured.sasl_ssl_bootstrap, "--json", str(figures),
        ],
        env,
        timeout_s=300,
    )  # fmt: skip
    assert bench.returncode == 0, bench.stdout + bench.stderr[-3000:]
    assert WORKER_PASSWORD not in bench.stdout + bench.stderr
    measured = json.loads(figures.read_text())
    assert measured["records"] == 12
    assert (
        measured["e2e_records_per_second"]["1"] > 0 and measured["e2e_records_per_second"]["2"] > 0
    )
