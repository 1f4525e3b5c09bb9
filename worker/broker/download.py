"""The locked jars, straight from a Maven repository over HTTPS: no Maven needed to run.

The lock records each jar's path in the repository layout (group/artifact/version/file)
beside its sha256, so a download needs nothing but the standard library; each file is
hashed as it arrives and kept only if it matches. Maven itself is needed only to pin a new
jar set (`chaff broker fetch --update-lock`).
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from worker.broker.errors import JarFetchError, JarVerificationError

MAVEN_REPOSITORY_ENV = "CHAFF_MAVEN_REPOSITORY"
MAVEN_CENTRAL = "https://repo.maven.apache.org/maven2"
DOWNLOAD_TIMEOUT_S = 60.0
# A few at a time: ~45 files of 10 kB to 11 MB, where one at a time waits on round trips.
PARALLEL_DOWNLOADS = 6


def repository_url(environ: Mapping[str, str] | None = None) -> str:
    """$CHAFF_MAVEN_REPOSITORY (a mirror or proxy), else Maven Central."""
    environ = os.environ if environ is None else environ
    return (environ.get(MAVEN_REPOSITORY_ENV) or MAVEN_CENTRAL).rstrip("/")


def download_jars(
    paths: Mapping[str, str], digests: Mapping[str, str], output_dir: Path, repository: str
) -> None:
    """Every jar of `paths` (file name → repository path) into `output_dir`, each checked
    against its sha256 in `digests`."""
    output_dir.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(PARALLEL_DOWNLOADS) as pool:
        jobs = [
            pool.submit(_download, f"{repository}/{path}", output_dir / name, digests[name])
            for name, path in sorted(paths.items())
        ]
        for job in jobs:
            job.result()  # the first failure, with its URL


def _download(url: str, target: Path, sha256: str) -> None:
    partial = target.with_name(target.name + ".part")
    digest = hashlib.sha256()
    try:
        with (
            urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_S) as response,
            partial.open("wb") as out,
        ):
            for block in iter(lambda: response.read(1 << 20), b""):
                digest.update(block)
                out.write(block)
    except (urllib.error.URLError, OSError, TimeoutError) as error:
        partial.unlink(missing_ok=True)
        raise JarFetchError(
            f"could not download {url}: {error}. Is the repository reachable? A mirror or "
            f"proxy can be named in ${MAVEN_REPOSITORY_ENV}."
        ) from None
    if digest.hexdigest() != sha256:
        partial.unlink(missing_ok=True)
        raise JarVerificationError(
            f"{url} has sha256 {digest.hexdigest()[:12]}…, the lock says {sha256[:12]}… "
            "(a tampered mirror, or a lock that does not belong to this repository)"
        )
    partial.rename(target)


def repository_paths(names: Iterable[str], local_repository: Path) -> dict[str, str]:
    """Where Maven put each jar in its local repository, relative to it: the same path as
    in the remote one. For recording a new lock, right after Maven resolved the set."""
    wanted = set(names)
    found: dict[str, str] = {}
    for jar in local_repository.rglob("*.jar"):
        if jar.name in wanted:
            found.setdefault(jar.name, jar.relative_to(local_repository).as_posix())
    missing = sorted(wanted - found.keys())
    if missing:
        raise JarFetchError(
            f"jars Maven resolved are not in its local repository {local_repository}: "
            + ", ".join(missing)
        )
    return found
