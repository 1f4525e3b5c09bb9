"""The users of the secured test broker (tests/security/conftest.py makes them)."""

WORKER_USER, WORKER_PASSWORD = "chaff", "chaff-s3cret-pw"
NOBODY_USER, NOBODY_PASSWORD = "nobody", "nobody-pw"  # authenticates, has no ACL
PLAIN_USER, PLAIN_PASSWORD = "plainuser", "plain-pw"
