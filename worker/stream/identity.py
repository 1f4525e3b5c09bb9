"""Who this worker process is to Kafka: unique among live processes, inherited on restart.

The name is `<instance>-<slot>`. It is the consumer's `group.instance.id` (static
membership) and, after the group id, the producer's `transactional.id`. Both must be
unique among live processes (two live producers with one transactional id fence each
other, two live static members with one instance id fence each other), and both must
be *reused* by a restarted process, so that it fences its dead predecessor's open
transaction at once and takes its partitions back without a rebalance.

How (as Kafka Streams keeps a process id in its state directory):
- instance: `--instance-id`, else `<hostname>-<8 hex digits>`, the digits made once per
  state directory and kept in its `process-id` file. Two hosts that share a hostname
  (containers) still differ, unless they share the state directory too.
- slot: the lowest `n` whose lock file `<state dir>/<group>/<instance>-<n>.lock` this
  process can lock (flock, held until the process ends, however it ends). Two live
  processes never hold one slot; a process started after a crash gets the dead one's slot.
If the state directory cannot be used, `claim` raises IdentityError: `chaff run` refuses
to start rather than risk two processes fencing each other.
"""

from __future__ import annotations

import fcntl
import os
import re
import socket
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

MAX_SLOTS = 1024
PROCESS_ID_FILE = "process-id"


class IdentityError(Exception):
    """No name could be claimed that no live process on this host holds."""


@dataclass(frozen=True)
class ProcessIdentity:
    instance: str
    slot: int
    lock_path: Path
    lock_fd: int  # kept open: the flock lasts as long as the process

    @property
    def name(self) -> str:
        return f"{self.instance}-{self.slot}"

    def release(self) -> None:
        os.close(self.lock_fd)


def default_state_dir() -> Path:
    """Per user, on the local disk (flock is unreliable on network file systems)."""
    return Path(tempfile.gettempdir()) / f"chaff-{os.getuid()}"


def claim(state_dir: str, group_id: str, instance_id: str) -> ProcessIdentity:
    root = Path(state_dir) if state_dir else default_state_dir()
    where = root / _safe(group_id)
    try:
        where.mkdir(parents=True, exist_ok=True)
        instance = instance_id or f"{socket.gethostname()}-{_process_id(root)}"
        for slot in range(MAX_SLOTS):
            lock_path = where / f"{_safe(instance)}-{slot}.lock"
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()}\n".encode())  # who holds it, for an operator
            return ProcessIdentity(instance, slot, lock_path, fd)
    except OSError as error:
        raise IdentityError(
            f"cannot keep this process's identity in {where} ({error.strerror}): give "
            "--state-dir a writable local directory"
        ) from error
    raise IdentityError(f"all {MAX_SLOTS} slots of {instance} in {where} are held by live ones")


def _process_id(root: Path) -> str:
    """The state directory's random id, made by the first process that needs it."""
    path = root / PROCESS_ID_FILE
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        for _ in range(200):  # another process is writing it this very moment
            text = path.read_text().strip()
            if re.fullmatch(r"[0-9a-f]{8}", text):
                return text
            time.sleep(0.01)
        raise IdentityError(f"{path} does not hold an 8-digit hex id: {text!r}") from None
    with os.fdopen(fd, "w") as file:
        file.write(uuid.uuid4().hex[:8] + "\n")
    return path.read_text().strip()


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)[:200] or "_"
