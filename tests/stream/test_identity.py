"""Process identities (group.instance.id, transactional.id): unique among live processes,
inherited by a process started after a crash, and a refusal when that cannot be kept."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from kafka_helpers import TopicFactory, produce_raw
from stream_helpers import REPO, Topics, Worker, text_page, wait_for_outcomes

from worker.stream.identity import IdentityError, claim

CLAIM_AND_WAIT = (
    "import sys, time; from worker.stream.identity import claim; "
    "print(claim(sys.argv[1], 'g', '').name, flush=True); time.sleep(60)"
)


def test_live_claims_differ_and_a_released_slot_is_taken_again(tmp_path: Path) -> None:
    first = claim(str(tmp_path), "g", "")
    second = claim(str(tmp_path), "g", "")
    assert first.instance == second.instance  # one state directory, one process id
    assert (first.slot, second.slot) == (0, 1)
    assert re.fullmatch(r".+-[0-9a-f]{8}", first.instance)
    first.release()
    third = claim(str(tmp_path), "g", "")
    assert third.name == first.name
    other_group = claim(str(tmp_path), "other", "")
    assert other_group.slot == 0
    for held in (second, third, other_group):
        held.release()


def test_a_killed_process_leaves_its_name_to_the_next_one(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", CLAIM_AND_WAIT, str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        held = holder.stdout.readline().strip()
        live = claim(str(tmp_path), "g", "")
        assert live.name != held  # the holder is alive: its slot is not given out
        holder.kill()
        holder.wait()
        successor = claim(str(tmp_path), "g", "")
        assert successor.name == held  # SIGKILL released the lock: the name is inherited
    finally:
        holder.kill()
        holder.wait()
    live.release()
    successor.release()


def test_an_unusable_state_dir_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    with pytest.raises(IdentityError, match="give --state-dir a writable local directory"):
        claim(str(tmp_path / "a-file" / "state"), "g", "")


def test_the_worker_refuses_to_start_without_a_usable_state_dir(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    result = subprocess.run(
        [sys.executable, "-m", "worker", "run", "--exactly-once", "--metrics-port", "0"],
        cwd=REPO,
        env={"PATH": "/usr/bin", "CHAFF_STATE_DIR": str(tmp_path / "a-file" / "x")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2, result.stderr
    assert "refusing to start: cannot keep this process's identity in" in result.stderr


@pytest.mark.broker
def test_two_exactly_once_workers_on_one_host_do_not_fence_each_other(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    """Issue 19: both used to be `chaff-<host>-0` and fenced each other until one exited."""
    topics = Topics(*topic_factory.many("raw", "articles", "rejects", "dead", partitions=4))
    pages = [text_page(n) for n in range(400)]
    keys = [f"site-{n % 8}".encode() for n in range(len(pages))]
    inputs = {
        (m.partition, m.offset) for m in produce_raw(kafka_bootstrap, topics.raw, pages, keys=keys)
    }
    env = {
        "CHAFF_INSTANCE_ID": "",  # the default: hostname and the state directory's id
        "CHAFF_STATE_DIR": str(tmp_path / "state"),
        "CHAFF_EXACTLY_ONCE": "true",
        "CHAFF_MAX_POLL_RECORDS": "10",
    }
    workers = [Worker(kafka_bootstrap, topics, tmp_path / f"w{i}.log", env) for i in (1, 2)]
    try:
        for worker in workers:
            worker.start()
        found = wait_for_outcomes(
            kafka_bootstrap, topics, inputs, workers, 120, isolation_level="read_committed"
        )
        names = [_member(worker) for worker in workers]
        workers[0].kill()
        successor = Worker(kafka_bootstrap, topics, tmp_path / "w3.log", env).start()
        workers.append(successor)
        inherited = _member(successor)
    finally:
        codes = [worker.terminate() if worker.process else None for worker in workers[1:]]
        for worker in workers:
            worker.stop_quietly()
    assert codes == [0, 0], [w.log() for w in workers]
    assert {key: results for key, results in found.items() if len(results) != 1} == {}
    assert names[0] != names[1]
    assert inherited == names[0]  # same transactional.id: it fences the dead one at once
    for worker in workers:
        assert "Fenced" not in worker.log(), worker.log()


def _member(worker: Worker, timeout_s: float = 60.0) -> str:
    import time

    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        found = re.search(r"as group \S+ member (\S+) \(", worker.log())
        if found:
            return found.group(1)
        worker.assert_running()
        time.sleep(0.2)
    raise AssertionError(f"no member name logged:\n{worker.log()}")


@pytest.mark.broker
def test_a_stopped_static_member_leaves_the_group_at_once(
    kafka_bootstrap: str, topic_factory: TopicFactory, tmp_path: Path
) -> None:
    """A static member never leaves by itself; without the worker's LeaveGroup its
    partitions would wait out the 45 s session after a SIGTERM (a scale-down)."""
    import time

    from kafka_helpers import admin_client

    topics = Topics(*topic_factory.many("raw", "articles", "rejects", "dead", partitions=2))
    group = topics.env()["CHAFF_GROUP_ID"]
    env = {"CHAFF_STATE_DIR": str(tmp_path / "state")}
    worker = Worker(kafka_bootstrap, topics, tmp_path / "static.log", env).start()

    def members() -> list[dict[str, object]]:
        with admin_client(kafka_bootstrap) as admin:
            return list(admin.describe_groups([group])[group].get("members") or [])

    try:
        name = _member(worker)  # logged once its signal handlers are in place
        deadline = time.monotonic() + 60
        while not members():
            worker.assert_running()
            assert time.monotonic() < deadline, worker.log()
            time.sleep(0.2)
        assert [m["group_instance_id"] for m in members()] == [name]
    finally:
        code = worker.terminate()
    assert code == 0, worker.log()
    assert members() == [], "the stopped worker is still a member"
