"""A LocalKafka with production-style security, for the integration tests of the clients.

Listeners of the one node:
- PLAINTEXT (its usual port): the operator's door. Its principal, User:ANONYMOUS, is a
  super user: tests make topics, SCRAM users and ACLs through it, as an administrator
  would with admin credentials.
- SASL_SSL: TLS with a certificate from a CA made here (openssl), then SASL PLAIN,
  SCRAM-SHA-256 or SCRAM-SHA-512. The principal is User:<name>.
- SSL with client authentication required (mTLS): the principal is the client
  certificate's subject, User:CN=<name>.
Authorization: Kafka's StandardAuthorizer; without an ACL a principal may do nothing.

    broker = SecuredKafka(tmp_path).start()
    broker.add_scram_user("chaff", "s3cret")
    broker.allow("User:chaff", worker_acls(...))
    broker.sasl_ssl_bootstrap, broker.ca_file, broker.client_cert("chaff")
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from worker.broker.jars import BrokerSetupError
from worker.broker.launcher import LocalKafka
from worker.broker.processes import HOST, free_port

CERT_DAYS = 30
PLAIN_USERS_PROPERTY = "listener.name.sasl_ssl.plain.sasl.jaas.config"


@dataclass(frozen=True)
class Acl:
    """Allow `operation` on a resource: `resource` is topic, group, transactional_id or
    cluster; `prefixed` matches every name that starts with `name`."""

    resource: str
    name: str
    operation: str
    prefixed: bool = False


def worker_acls(raw: str, outputs: Iterable[str], group: str, exactly_once: bool) -> list[Acl]:
    """The least a `chaff run` principal needs (the README lists the same)."""
    acls = [Acl("topic", raw, "read"), Acl("group", group, "read")]
    acls += [Acl("topic", topic, "write") for topic in outputs]
    if exactly_once:
        acls += [
            Acl("transactional_id", f"{group}-", "write", prefixed=True),
            Acl("transactional_id", f"{group}-", "describe", prefixed=True),
        ]
    return acls


class SecuredKafka(LocalKafka):
    def __init__(self, data_dir: Path, plain_users: Mapping[str, str] | None = None) -> None:
        self.secrets = data_dir / "tls"
        self.sasl_ssl_port = free_port()
        self.ssl_port = free_port(avoid={self.sasl_ssl_port})
        users = " ".join(f'user_{u}="{p}"' for u, p in (plain_users or {}).items())
        overrides = {
            "listeners": f"PLAINTEXT://{HOST}:{{port}},CONTROLLER://{HOST}:{{controller}},"
            f"SASL_SSL://{HOST}:{self.sasl_ssl_port},SSL://{HOST}:{self.ssl_port}",
            "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,"
            "SASL_SSL:SASL_SSL,SSL:SSL",
            "sasl.enabled.mechanisms": "PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
            PLAIN_USERS_PROPERTY: "org.apache.kafka.common.security.plain.PlainLoginModule "
            f"required {users};",
            "listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config": _SCRAM_LOGIN,
            "listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config": _SCRAM_LOGIN,
            "ssl.keystore.type": "PEM",
            "ssl.keystore.location": str(self.secrets / "broker-keystore.pem"),
            "ssl.truststore.type": "PEM",
            "ssl.truststore.location": str(self.secrets / "ca.pem"),
            "listener.name.ssl.ssl.client.auth": "required",
            "authorizer.class.name": "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
            "super.users": "User:ANONYMOUS",
            "allow.everyone.if.no.acl.found": "false",
        }
        super().__init__(data_dir, config_overrides=overrides, heap="512m")

    # -- addresses and files a client needs ---------------------------------------------

    @property
    def sasl_ssl_bootstrap(self) -> str:
        return f"{HOST}:{self.sasl_ssl_port}"

    @property
    def ssl_bootstrap(self) -> str:
        return f"{HOST}:{self.ssl_port}"

    @property
    def ca_file(self) -> Path:
        return self.secrets / "ca.pem"

    def client_cert(self, name: str) -> tuple[Path, Path]:
        """(certificate, key) PEM files for User:CN=<name>, signed by this broker's CA."""
        cert, key = self.secrets / f"client-{name}.pem", self.secrets / f"client-{name}.key"
        if not cert.exists():
            _sign(self.secrets, f"client-{name}", f"/CN={name}", None)
        return cert, key

    def untrusted_ca(self) -> Path:
        """A CA that did not sign the broker's certificate."""
        other = self.secrets / "other-ca.pem"
        if not other.exists():
            _make_ca(self.secrets, "other-ca")
        return other

    # -- lifecycle and administration -------------------------------------------------------

    def start(self) -> SecuredKafka:
        if not (self.secrets / "broker-keystore.pem").exists():
            self.secrets.mkdir(parents=True, exist_ok=True)
            _make_ca(self.secrets, "ca")
            # Only the IP: a client that connects as "localhost" meets a hostname mismatch,
            # which the hostname-verification test needs.
            _sign(self.secrets, "broker", f"/CN={HOST}", f"IP:{HOST}")
            keystore = (self.secrets / "broker.key").read_text() + (
                self.secrets / "broker.pem"
            ).read_text()
            (self.secrets / "broker-keystore.pem").write_text(keystore)
        super().start()
        return self

    def _write_config(self, state: Mapping[str, Any]) -> Path:
        # The PLAINTEXT and CONTROLLER ports are only known now (picked at the first start).
        template = self._config_overrides["listeners"]
        listeners = template.format(port=self.port, controller=self.controller_port)
        self._config_overrides["listeners"] = listeners
        self._config_overrides["advertised.listeners"] = listeners
        try:
            return super()._write_config(state)
        finally:
            self._config_overrides["listeners"] = template

    def add_scram_user(self, user: str, password: str) -> None:
        from kafka.admin import KafkaAdminClient, ScramMechanism, UserScramCredentialUpsertion

        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap_servers)
        try:
            # One mechanism per request: the broker refuses two changes of one user at once.
            for mechanism in (ScramMechanism.SCRAM_SHA_256, ScramMechanism.SCRAM_SHA_512):
                upsert = UserScramCredentialUpsertion(user, mechanism, password, iterations=4096)
                result = admin.alter_user_scram_credentials([upsert])
                if any(result.values()):
                    raise BrokerSetupError(f"could not add SCRAM user {user}: {result}")
        finally:
            admin.close()

    def allow(self, principal: str, acls: Iterable[Acl]) -> None:
        from kafka.admin import (
            ACL,
            ACLOperation,
            ACLPermissionType,
            ACLResourcePatternType,
            KafkaAdminClient,
            ResourcePattern,
            ResourceType,
        )

        entries = [
            ACL(
                principal,
                "*",
                ACLOperation[acl.operation.upper()],
                ACLPermissionType.ALLOW,
                ResourcePattern(
                    ResourceType[acl.resource.upper()],
                    "kafka-cluster" if acl.resource == "cluster" else acl.name,
                    ACLResourcePatternType.PREFIXED
                    if acl.prefixed
                    else ACLResourcePatternType.LITERAL,
                ),
            )
            for acl in acls
        ]
        admin = KafkaAdminClient(bootstrap_servers=self.bootstrap_servers)
        try:
            result = admin.create_acls(entries)
        finally:
            admin.close()
        if result.get("failed"):
            raise BrokerSetupError(f"could not create ACLs: {result['failed']}")


_SCRAM_LOGIN = "org.apache.kafka.common.security.scram.ScramLoginModule required;"


def _openssl(*args: str) -> None:
    result = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BrokerSetupError(f"openssl {args[0]} failed: {result.stderr[-2000:]}")


def _make_ca(where: Path, name: str) -> None:
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", str(CERT_DAYS),
        "-keyout", str(where / f"{name}.key"), "-out", str(where / f"{name}.pem"),
        "-subj", f"/CN=chaff test {name}",
    )  # fmt: skip


def _sign(where: Path, name: str, subject: str, alt_names: str | None) -> None:
    """A key and a certificate for `subject`, signed by `where`/ca."""
    key, csr, cert = (where / f"{name}.{ext}" for ext in ("key", "csr", "pem"))
    _openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr),
             "-subj", subject)  # fmt: skip
    extensions = where / f"{name}.ext"
    extensions.write_text(f"subjectAltName={alt_names}\n" if alt_names else "")
    _openssl(
        "x509", "-req", "-in", str(csr), "-CA", str(where / "ca.pem"),
        "-CAkey", str(where / "ca.key"), "-CAcreateserial", "-days", str(CERT_DAYS),
        "-out", str(cert), "-extfile", str(extensions),
    )  # fmt: skip
