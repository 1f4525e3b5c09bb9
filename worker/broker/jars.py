"""The pinned Kafka jar set: fetched once from Maven Central, cached per user, always verified.

`pom.xml` (beside this file) says what to pin; `kafka-jars.lock` records, for every jar Maven
resolved for it, its sha256 and its path in the repository. A fetch downloads those paths
over HTTPS (worker.broker.download: no Maven needed); only `--update-lock` runs Maven. The
jars are checked against the lock after each download and before each use, so a corrupted
cache or a tampered mirror is an error, never a silent swap.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO, cast

from worker.broker.download import download_jars, repository_paths, repository_url
from worker.broker.errors import BrokerSetupError as BrokerSetupError
from worker.broker.errors import JarFetchError as JarFetchError
from worker.broker.errors import JarVerificationError as JarVerificationError

PACKAGE_DIR = Path(__file__).resolve().parent
POM_PATH = PACKAGE_DIR / "pom.xml"
LOCK_PATH = PACKAGE_DIR / "kafka-jars.lock"
KAFKA_HOME_ENV = "CHAFF_KAFKA_HOME"
JARS_SUBDIR = "jars"
# Maven resolution of ~45 jars (~43 MB) takes 15-30 s; bound it well above that.
FETCH_TIMEOUT_S = 600.0
_HEARTBEAT_S = 15.0


class _CurrentStderr:
    """Writes to whatever sys.stderr is at the time (pytest swaps it in and out)."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


# The default progress stream; pass progress=None for silence.
STDERR = cast(TextIO, _CurrentStderr())


@dataclass(frozen=True, slots=True)
class JarLock:
    """What `kafka-jars.lock` records: the Kafka version, and by jar file name its sha256
    and its path in a Maven repository (empty in a lock written before paths were kept)."""

    kafka_version: str
    jars: Mapping[str, str]
    paths: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = LOCK_PATH) -> JarLock:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                kafka_version=str(data["kafka_version"]),
                jars=dict(data["jars"]),
                paths=dict(data.get("paths", {})),
            )
        except FileNotFoundError:
            raise BrokerSetupError(
                f"the Kafka jar lock file {path} is missing; it is part of the repository "
                "(restore it with git, or create it with `chaff broker fetch --update-lock`)"
            ) from None
        except (ValueError, KeyError, TypeError) as error:
            message = f"the Kafka jar lock file {path} is unreadable: {error}"
            raise BrokerSetupError(message) from None

    def dump(self, path: Path = LOCK_PATH) -> None:
        document = {
            "comment": (
                "sha256 of every jar the local Kafka broker runs from (worker/broker/pom.xml). "
                "Regenerate with `chaff broker fetch --update-lock`, never by hand."
            ),
            "kafka_version": self.kafka_version,
            "jars": dict(sorted(self.jars.items())),
            "paths": dict(sorted(self.paths.items())),
        }
        path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")


def pom_kafka_version(pom: Path = POM_PATH) -> str:
    """The `kafka.version` property of the pom: the release `fetch --update-lock` pins."""
    namespace = {"m": "http://maven.apache.org/POM/4.0.0"}
    node = ElementTree.parse(pom).getroot().find("m:properties/m:kafka.version", namespace)
    if node is None or not (node.text or "").strip():
        raise BrokerSetupError(f"{pom} has no <kafka.version> property")
    return (node.text or "").strip()


def kafka_home(version: str, environ: Mapping[str, str] | None = None) -> Path:
    """Where this user's jars for `version` live: $CHAFF_KAFKA_HOME, else the XDG cache dir."""
    environ = os.environ if environ is None else environ
    override = environ.get(KAFKA_HOME_ENV)
    if override:
        return Path(override).expanduser()
    cache_root = Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache_root / "chaff" / f"kafka-{version}"


def hash_jars(jar_dir: Path) -> dict[str, str]:
    """sha256 of every *.jar directly in `jar_dir`, by file name."""
    digests: dict[str, str] = {}
    for jar in sorted(jar_dir.glob("*.jar")):
        digest = hashlib.sha256()
        with jar.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        digests[jar.name] = digest.hexdigest()
    return digests


def verify_jars(jar_dir: Path, lock: JarLock) -> None:
    """Raise JarVerificationError unless `jar_dir` holds exactly the locked jars, byte for byte."""
    found = hash_jars(jar_dir)
    missing = sorted(set(lock.jars) - set(found))
    unexpected = sorted(set(found) - set(lock.jars))
    changed = sorted(name for name in set(found) & set(lock.jars) if found[name] != lock.jars[name])
    if not (missing or unexpected or changed):
        return
    problems = []
    if changed:
        problems.append(
            "changed: "
            + ", ".join(
                f"{name} (sha256 {found[name][:12]}…, lock says {lock.jars[name][:12]}…)"
                for name in changed
            )
        )
    if missing:
        problems.append("missing: " + ", ".join(missing))
    if unexpected:
        problems.append("not in the lock: " + ", ".join(unexpected))
    raise JarVerificationError(
        f"the Kafka {lock.kafka_version} jars in {jar_dir} do not match {LOCK_PATH.name}: "
        + "; ".join(problems)
        + f". Delete {jar_dir} and run `chaff broker fetch` to download them again; if the "
        "pom or the lock was changed on purpose (a Kafka upgrade), regenerate the lock with "
        "`chaff broker fetch --update-lock`."
    )


def ensure_jars(
    *,
    home: Path | None = None,
    lock_path: Path = LOCK_PATH,
    progress: TextIO | None = STDERR,
) -> Path:
    """The verified jar directory, downloading the jars first if this user has none yet."""
    lock = JarLock.load(lock_path)
    home = kafka_home(lock.kafka_version) if home is None else home
    jar_dir = home / JARS_SUBDIR
    if not jar_dir.is_dir():
        with _exclusive(home):  # another process may have fetched while we waited
            if not jar_dir.is_dir():
                _install(jar_dir, lock, progress=progress, check_against_lock=True)
    verify_jars(jar_dir, lock)
    return jar_dir


def update_lock(
    *, home: Path | None = None, lock_path: Path = LOCK_PATH, progress: TextIO | None = STDERR
) -> JarLock:
    """Fetch the jar set the pom names now and record it as the new lock (a Kafka upgrade)."""
    version = pom_kafka_version()
    home = kafka_home(version) if home is None else home
    jar_dir = home / JARS_SUBDIR
    with _exclusive(home):
        if jar_dir.exists():
            shutil.rmtree(jar_dir)
        lock = JarLock(kafka_version=version, jars={})
        _install(jar_dir, lock, progress=progress, check_against_lock=False)
        jars = hash_jars(jar_dir)
        paths = repository_paths(jars, maven_local_repository())
        lock = JarLock(kafka_version=version, jars=jars, paths=paths)
        lock.dump(lock_path)
    return lock


def _install(
    jar_dir: Path, lock: JarLock, *, progress: TextIO | None, check_against_lock: bool
) -> None:
    """Download into a scratch dir beside `jar_dir`, verify, then move into place atomically."""
    jar_dir.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=".fetch-", dir=jar_dir.parent))
    try:
        downloaded = scratch / JARS_SUBDIR
        _say(
            progress,
            f"chaff: fetching the Kafka {lock.kafka_version} jars from {repository_url()} "
            f"(first use only, ~45 MB) into {jar_dir} ...",
        )
        started = time.monotonic()
        if check_against_lock and lock.paths.keys() == lock.jars.keys():
            download_jars(lock.paths, lock.jars, downloaded, repository_url())
        else:  # pinning a new set (or an old lock without paths): Maven resolves it
            _run_maven(downloaded, lock.kafka_version, progress=progress)
        if check_against_lock:
            try:
                verify_jars(downloaded, lock)
            except JarVerificationError as error:
                raise JarVerificationError(
                    "the jars just downloaded do not match the lock file (a stale "
                    "lock, or a corrupted or tampered ~/.m2 repository or mirror): "
                    f"{error}"
                ) from None
        downloaded.rename(jar_dir)
        total_bytes = sum(jar.stat().st_size for jar in jar_dir.glob("*.jar"))
        _say(
            progress,
            f"chaff: fetched and verified {len(list(jar_dir.glob('*.jar')))} jars "
            f"({total_bytes / 1e6:.1f} MB) in {time.monotonic() - started:.1f} s",
        )
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_maven(output_dir: Path, kafka_version: str, *, progress: TextIO | None) -> None:
    mvn = shutil.which("mvn")
    if mvn is None:
        raise JarFetchError(
            "`mvn` (Apache Maven) is not on PATH; it is needed to pin a new Kafka jar set "
            "(Debian/Ubuntu: apt-get install maven). Running the broker needs no Maven: it "
            "downloads the jars the lock names."
        )
    command = [
        mvn,
        "--batch-mode",
        "--quiet",
        "--strict-checksums",  # a checksum mismatch from the repository fails the download
        "-Dstyle.color=never",
        "-Dmaven.wagon.http.retryHandler.count=3",
        "-f",
        str(POM_PATH),
        f"-Dkafka.version={kafka_version}",
        "dependency:copy-dependencies",
        f"-DoutputDirectory={output_dir}",
        "-DincludeScope=runtime",
    ]
    log_path = output_dir.parent / "maven.log"
    started = time.monotonic()
    with log_path.open("w", encoding="utf-8") as log:
        # Run in the scratch dir so nothing (e.g. target/) is ever written into the repo.
        process = subprocess.Popen(
            command, cwd=output_dir.parent, stdout=log, stderr=subprocess.STDOUT
        )
        next_heartbeat = started + _HEARTBEAT_S
        while process.poll() is None:
            now = time.monotonic()
            if now - started > FETCH_TIMEOUT_S:
                process.kill()
                process.wait()
                raise JarFetchError(
                    f"Maven did not finish downloading the Kafka jars in {FETCH_TIMEOUT_S:.0f} s"
                    f"{_maven_tail(log_path)}"
                )
            if now >= next_heartbeat:
                _say(progress, f"chaff: still downloading ({now - started:.0f} s) ...")
                next_heartbeat = now + _HEARTBEAT_S
            time.sleep(0.2)
    if process.returncode != 0:
        raise JarFetchError(
            f"Maven failed (exit {process.returncode}) to download the Kafka {kafka_version} "
            f"jars; is Maven Central reachable?{_maven_tail(log_path)}"
        )


def maven_local_repository(environ: Mapping[str, str] | None = None) -> Path:
    """Maven's local repository: $MAVEN_REPO_LOCAL if set, else ~/.m2/repository."""
    environ = os.environ if environ is None else environ
    return Path(environ.get("MAVEN_REPO_LOCAL") or Path.home() / ".m2" / "repository")


def _maven_tail(log_path: Path, lines: int = 25) -> str:
    try:
        text = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return ""
    return "\n--- last lines of Maven's output ---\n" + "\n".join(text[-lines:])


@contextmanager
def _exclusive(home: Path) -> Iterator[None]:
    """One fetch per cache dir at a time, across processes (parallel test runs, CLI + tests)."""
    home.mkdir(parents=True, exist_ok=True)
    with (home / ".fetch.lock").open("w") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock_file, fcntl.LOCK_UN)


def _say(progress: TextIO | None, message: str) -> None:
    if progress is not None:
        print(message, file=progress, flush=True)
