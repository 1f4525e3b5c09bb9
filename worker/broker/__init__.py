"""A local single-node KRaft Kafka for development and tests, from pinned Maven Central jars."""
