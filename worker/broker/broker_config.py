"""What the local broker (launcher.py's LocalKafka) is configured with: the files its data
dir keeps, the settings of its one node on a small machine, its log4j2 config, and a new
cluster's id."""

from __future__ import annotations

import base64
import uuid
from collections.abc import Mapping

NODE_ID = 1
DATA_STATE_FILE = "chaff-broker.json"  # in the data dir: ports and cluster id, reused on restart
LOG_FILE = "server.log"
STORAGE_SUBDIR = "kafka-logs"

# Settings for one node on a small machine; every replication factor must be 1 here.
BROKER_DEFAULTS: Mapping[str, str] = {
    "num.partitions": "3",
    "default.replication.factor": "1",
    "min.insync.replicas": "1",
    "offsets.topic.replication.factor": "1",
    # 50 partitions (Kafka's default) make the first group/transaction slow to set up.
    "offsets.topic.num.partitions": "10",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "10",
    "share.coordinator.state.topic.replication.factor": "1",
    "share.coordinator.state.topic.min.isr": "1",
    "group.initial.rebalance.delay.ms": "0",
    # Lets fault tests use short consumer session timeouts to notice killed workers fast.
    "group.min.session.timeout.ms": "1000",
    "auto.create.topics.enable": "false",
    # After kill(), the restarted node may only re-register once its old session expires
    # (default 9 s); a short session makes crash-restart tests fast.
    "broker.session.timeout.ms": "3000",
    "broker.heartbeat.interval.ms": "500",
    "delete.topic.enable": "true",
    "num.network.threads": "2",
    "num.io.threads": "4",
    "num.recovery.threads.per.data.dir": "2",
}

LOG4J2_PROPERTIES = """\
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.state_change.name = state.change.logger
logger.state_change.level = WARN
logger.request.name = kafka.request.logger
logger.request.level = WARN
"""


def new_cluster_id() -> str:
    """A Kafka cluster id: 16 random bytes in URL-safe base64, unpadded, not starting with '-'."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        if not cluster_id.startswith("-"):
            return cluster_id
