"""A secured local broker for the client-security tests (worker.broker.secured): SASL_SSL
with SCRAM and PLAIN, SSL with client certificates, the StandardAuthorizer with ACLs.

Always the project's own launcher, also when the rest of the suite runs on an external
cluster: these tests need to set users, certificates and ACLs up. Its PLAINTEXT port is
the operator's (a super user): tests read outputs and make topics through it.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from secured_users import (
    NOBODY_PASSWORD,
    NOBODY_USER,
    PLAIN_PASSWORD,
    PLAIN_USER,
    WORKER_PASSWORD,
    WORKER_USER,
)

from worker.broker.jars import ensure_jars
from worker.broker.secured import SecuredKafka


@pytest.fixture(scope="session")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecuredKafka]:
    ensure_jars()
    broker = SecuredKafka(
        tmp_path_factory.mktemp("kafka-secured"), plain_users={PLAIN_USER: PLAIN_PASSWORD}
    )
    try:
        broker.start()
        broker.add_scram_user(WORKER_USER, WORKER_PASSWORD)
        broker.add_scram_user(NOBODY_USER, NOBODY_PASSWORD)
        yield broker
    finally:
        broker.close()
