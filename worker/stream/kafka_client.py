"""What every Kafka client Chaff makes needs to connect (TLS, SASL), and a one-line reason
when it cannot.

kafka-python reports a wrong password, an untrusted CA or a plaintext client on a TLS
port the same way: "Unable to bootstrap" after 30 s, with the cause only in its log.
So commands call `check_connection` first: it connects to a bootstrap server itself (TCP,
then the TLS handshake with the same CA and client certificate, then one ApiVersions
request, which Kafka answers before authentication), and for SASL it bootstraps one
kafka-python admin client and keeps the authentication error kafka-python only logs.
Each failure is a `KafkaSetupError` with one line for the user and an exit code:

    2  a setting is wrong or missing (EXIT_CONFIG)
    5  cannot connect or authenticate (EXIT_CONNECT)
    6  connected, but an ACL is missing (EXIT_NOT_AUTHORIZED)
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import ssl
import struct
import threading
from contextlib import suppress
from typing import Any

from worker.config import Settings

EXIT_CONFIG = 2
EXIT_CONNECT = 5
EXIT_NOT_AUTHORIZED = 6
log = logging.getLogger(__name__)
SECURITY_FIELDS = tuple(
    f.name
    for f in dataclasses.fields(Settings)
    if f.name.startswith(("security_", "ssl_", "sasl_"))
)
# ApiVersions v0, correlation id 1, client id "chaff-probe": every broker answers it, also
# before SASL authentication.
_API_VERSIONS = struct.pack(">hhih", 18, 0, 1, 11) + b"chaff-probe"


class KafkaSetupError(Exception):
    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def security_from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Only the security settings of the environment (for commands with their own topics)."""
    settings = Settings.from_env(os.environ if environ is None else environ)
    return {name: getattr(settings, name) for name in SECURITY_FIELDS}


def client_options(settings: Settings) -> dict[str, Any]:
    """kafka-python keyword arguments: the bootstrap servers and the security settings."""
    protocol = settings.security_protocol
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap_servers,
        "security_protocol": protocol,
    }
    if protocol in ("SSL", "SASL_SSL"):
        if bool(settings.ssl_certfile) != bool(settings.ssl_keyfile):
            raise KafkaSetupError(
                "CHAFF_SSL_CERTFILE and CHAFF_SSL_KEYFILE go together (mTLS)", EXIT_CONFIG
            )
        options.update(
            ssl_cafile=settings.ssl_cafile or None,
            ssl_certfile=settings.ssl_certfile or None,
            ssl_keyfile=settings.ssl_keyfile or None,
            ssl_password=settings.ssl_key_password or None,
            ssl_check_hostname=settings.ssl_check_hostname,
        )
    if protocol.startswith("SASL_"):
        if not settings.sasl_mechanism or not settings.sasl_username:
            raise KafkaSetupError(
                f"CHAFF_SECURITY_PROTOCOL={protocol} needs CHAFF_SASL_MECHANISM and "
                "CHAFF_SASL_USERNAME",
                EXIT_CONFIG,
            )
        options.update(
            sasl_mechanism=settings.sasl_mechanism,
            sasl_plain_username=settings.sasl_username,
            sasl_plain_password=sasl_password(settings),
        )
    return options


def sasl_password(settings: Settings) -> str:
    if settings.sasl_password:
        return settings.sasl_password
    if not settings.sasl_password_file:
        raise KafkaSetupError(
            "SASL needs a password: set CHAFF_SASL_PASSWORD or CHAFF_SASL_PASSWORD_FILE",
            EXIT_CONFIG,
        )
    try:
        with open(settings.sasl_password_file, encoding="utf-8") as file:
            return file.readline().rstrip("\r\n")
    except OSError as error:
        raise KafkaSetupError(
            f"cannot read the SASL password file {settings.sasl_password_file}: {error.strerror}",
            EXIT_CONFIG,
        ) from None


def check_connection(settings: Settings, timeout_s: float = 10.0) -> None:
    """Raise KafkaSetupError with the reason if a client with these settings cannot
    connect and authenticate to the first bootstrap server that accepts TCP."""
    options = client_options(settings)  # configuration errors first
    address, sock = _first_reachable(settings.bootstrap_servers, timeout_s)
    try:
        if settings.security_protocol in ("SSL", "SASL_SSL"):
            sock = _tls(sock, settings, address)
        _ask_api_versions(sock, settings, address)
    finally:
        sock.close()
    if settings.security_protocol.startswith("SASL_"):
        _check_sasl(options, settings, timeout_s)


def explain(error: BaseException, settings: Settings) -> KafkaSetupError | None:
    """The one-line reason for an authorization error met while running (else None)."""
    from kafka.errors import AuthorizationError

    cause: BaseException | None = error
    while cause is not None and not isinstance(cause, AuthorizationError):
        cause = cause.__cause__
    if cause is None:
        return None
    who = settings.sasl_username or settings.ssl_certfile or "ANONYMOUS"
    return KafkaSetupError(
        f"not authorized: {type(cause).__name__} ({cause.args[0] if cause.args else ''}) for "
        f"{who}; grant the ACLs in the README's 'Connecting to a production cluster'",
        EXIT_NOT_AUTHORIZED,
    )


def leave_group(settings: Settings, member: str) -> None:
    """Remove the static member `member` from the group (best effort: it is shutting down)."""
    from kafka.admin import KafkaAdminClient, MemberToRemove

    try:
        admin = KafkaAdminClient(**client_options(settings))
        try:
            admin.remove_group_members(
                settings.group_id, [MemberToRemove(group_instance_id=member)]
            )
        finally:
            admin.close()
    except Exception as error:  # the session timeout removes it anyway
        log.warning("could not leave the group as %s: %s", member, error)


def _first_reachable(servers: str, timeout_s: float) -> tuple[str, socket.socket]:
    failures = []
    for address in (s.strip() for s in servers.split(",") if s.strip()):
        host, _, port = address.rpartition(":")
        try:
            return address, socket.create_connection((host, int(port)), timeout=timeout_s)
        except (OSError, ValueError) as error:
            failures.append(f"{address}: {getattr(error, 'strerror', None) or error}")
    raise KafkaSetupError(f"cannot reach any broker ({'; '.join(failures)})", EXIT_CONNECT)


def ssl_context(settings: Settings) -> ssl.SSLContext:
    """The TLS settings as an SSLContext (for faust, and for the probe)."""
    context = ssl.create_default_context(cafile=settings.ssl_cafile or None)
    context.check_hostname = settings.ssl_check_hostname
    if settings.ssl_certfile:
        context.load_cert_chain(
            settings.ssl_certfile, settings.ssl_keyfile, settings.ssl_key_password or None
        )
    return context


def faust_credentials(settings: Settings) -> Any:
    """faust's `broker_credentials` for these settings (None: PLAINTEXT)."""
    import faust

    options = client_options(settings)  # validates the settings
    protocol = settings.security_protocol
    context = ssl_context(settings) if protocol in ("SSL", "SASL_SSL") else None
    if protocol.startswith("SASL_"):
        return faust.SASLCredentials(
            username=options["sasl_plain_username"],
            password=options["sasl_plain_password"],
            ssl_context=context,
            mechanism=settings.sasl_mechanism,
        )
    return faust.SSLCredentials(context) if context is not None else None


def _tls(sock: socket.socket, settings: Settings, address: str) -> ssl.SSLSocket:
    try:
        context = ssl_context(settings)
        return context.wrap_socket(sock, server_hostname=address.rpartition(":")[0])
    except ssl.SSLCertVerificationError as error:
        if "mismatch" in str(error.verify_message):  # trusted, but for another name
            raise KafkaSetupError(
                f"TLS: the certificate of {address} does not name that host "
                f"({error.verify_message}); connect by a name it holds, or set "
                "CHAFF_SSL_CHECK_HOSTNAME=false",
                EXIT_CONNECT,
            ) from None
        trusted = settings.ssl_cafile or "the system's CAs"
        raise KafkaSetupError(
            f"TLS: the certificate of {address} is not trusted by {trusted} "
            f"({error.verify_message}); set CHAFF_SSL_CAFILE to the CA that signed it",
            EXIT_CONNECT,
        ) from None
    except (ssl.SSLError, OSError) as error:
        raise KafkaSetupError(
            f"TLS handshake with {address} failed: {error}", EXIT_CONNECT
        ) from None


def _ask_api_versions(sock: socket.socket, settings: Settings, address: str) -> None:
    try:
        sock.sendall(struct.pack(">i", len(_API_VERSIONS)) + _API_VERSIONS)
        answer = sock.recv(8)
    except ssl.SSLError as error:
        hint = (
            " (set CHAFF_SSL_CERTFILE and CHAFF_SSL_KEYFILE)" if "CERTIFICATE" in str(error) else ""
        )
        raise KafkaSetupError(
            f"TLS: {address} refused the connection: {error.reason}{hint}", EXIT_CONNECT
        ) from None
    except OSError as error:
        answer = b""
        reason = error.strerror or str(error)
    else:
        reason = "no answer"
    if len(answer) >= 8:
        return
    if settings.security_protocol in ("PLAINTEXT", "SASL_PLAINTEXT"):
        raise KafkaSetupError(
            f"{address} did not answer a plaintext Kafka request ({reason}): is it a TLS "
            f"listener? CHAFF_SECURITY_PROTOCOL is {settings.security_protocol}; try SSL or "
            "SASL_SSL",
            EXIT_CONNECT,
        )
    raise KafkaSetupError(f"{address} closed the connection ({reason})", EXIT_CONNECT)


def _check_sasl(options: dict[str, Any], settings: Settings, timeout_s: float) -> None:
    """Bootstrap one admin client and keep the SASL error kafka-python only logs. The client
    runs on a thread so that the first such error ends the wait (kafka-python itself goes on
    retrying until its bootstrap timeout)."""
    from kafka.admin import KafkaAdminClient
    from kafka.errors import SaslAuthenticationFailedError

    seen: list[BaseException] = []
    outcome: list[BaseException | None] = []
    settled = threading.Event()

    def keep(record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        failures = [a for a in args if isinstance(a, SaslAuthenticationFailedError)]
        if failures:
            seen.extend(failures)
            settled.set()
        return True

    def bootstrap() -> None:
        try:
            KafkaAdminClient(
                **options, client_id="chaff-probe", bootstrap_timeout_ms=int(timeout_s * 1000)
            ).close()
            outcome.append(None)
        except Exception as error:  # reported below, from the waiting thread
            outcome.append(error)
        settled.set()

    loggers = [logging.getLogger(name) for name in ("kafka.net.manager", "kafka.net.connection")]
    for logger in loggers:
        logger.addFilter(keep)
    try:
        threading.Thread(target=bootstrap, name="chaff-sasl-probe", daemon=True).start()
        settled.wait(timeout_s + 5)
    finally:
        for logger in loggers:
            with suppress(Exception):
                logger.removeFilter(keep)
    if seen:
        detail = seen[-1].args[0] if seen[-1].args else seen[-1]
        raise KafkaSetupError(
            f"SASL {settings.sasl_mechanism} authentication as {settings.sasl_username!r} "
            f"failed: {detail}",
            EXIT_CONNECT,
        )
    error = outcome[0] if outcome else TimeoutError(f"no answer within {timeout_s:.0f} s")
    if error is not None:
        # The same address answered Kafka over this protocol a moment ago (check_connection),
        # so a client that cannot bootstrap was turned away while authenticating: a broker
        # closes the connection after a failed SASL exchange, and kafka-python now and then
        # sees the disconnect before the error response (a clean-clone CI run, 2026-12-03).
        raise KafkaSetupError(
            f"SASL {settings.sasl_mechanism} authentication as {settings.sasl_username!r} "
            f"failed: the broker closed the connection while authenticating "
            f"({type(error).__name__}: {error}); check the user, the password and the mechanism",
            EXIT_CONNECT,
        )
