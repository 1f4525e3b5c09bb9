"""The jar fetch needs no Maven: the lock's paths are downloaded over HTTP(S) and checked
against its sha256s. A local web server plays the repository (no network)."""

from __future__ import annotations

import functools
import hashlib
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from worker.broker.download import MAVEN_REPOSITORY_ENV
from worker.broker.jars import JarFetchError, JarLock, JarVerificationError, ensure_jars

JARS = {"alpha-1.0.jar": b"alpha bytes", "beta-2.1.jar": b"beta bytes" * 1000}


@pytest.fixture
def repository(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "repository"
    for name, content in JARS.items():
        artifact, version = name.removesuffix(".jar").rsplit("-", 1)
        target = root / "org" / "example" / artifact / version / name
        target.parent.mkdir(parents=True)
        target.write_bytes(content)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()
        server.server_close()


def write_lock(path: Path) -> Path:
    JarLock(
        kafka_version="0.0-test",
        jars={name: hashlib.sha256(content).hexdigest() for name, content in JARS.items()},
        paths={
            name: f"org/example/{name.removesuffix('.jar').rsplit('-', 1)[0]}/"
            f"{name.removesuffix('.jar').rsplit('-', 1)[1]}/{name}"
            for name in JARS
        },
    ).dump(path)
    return path


def test_the_locked_jars_are_downloaded_without_maven(
    repository: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _root = repository
    monkeypatch.setenv(MAVEN_REPOSITORY_ENV, url)
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))  # no mvn anywhere
    jar_dir = ensure_jars(
        home=tmp_path / "home", lock_path=write_lock(tmp_path / "lock"), progress=None
    )
    assert {p.name: p.read_bytes() for p in jar_dir.glob("*.jar")} == JARS
    assert not list(jar_dir.parent.glob(".fetch-*")), "the scratch dir is cleaned up"


def test_a_tampered_jar_is_refused_and_nothing_is_installed(
    repository: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, root = repository
    (root / "org/example/beta/2.1/beta-2.1.jar").write_bytes(b"something else")
    monkeypatch.setenv(MAVEN_REPOSITORY_ENV, url)
    with pytest.raises(JarVerificationError, match=re.escape("beta-2.1.jar has sha256")):
        ensure_jars(home=tmp_path / "home", lock_path=write_lock(tmp_path / "lock"), progress=None)
    assert not (tmp_path / "home" / "jars").exists()


def test_an_unreachable_repository_names_the_url_and_the_setting(
    repository: tuple[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url, _root = repository
    monkeypatch.setenv(MAVEN_REPOSITORY_ENV, url + "/missing")
    with pytest.raises(JarFetchError, match=f"{MAVEN_REPOSITORY_ENV}") as raised:
        ensure_jars(home=tmp_path / "home", lock_path=write_lock(tmp_path / "lock"), progress=None)
    assert url + "/missing/org/example/" in str(raised.value)


def test_the_shipped_lock_has_a_repository_path_for_every_jar() -> None:
    lock = JarLock.load()
    assert lock.paths.keys() == lock.jars.keys()
    for name, path in lock.paths.items():
        assert path.endswith("/" + name) and path.count("/") >= 3, path
