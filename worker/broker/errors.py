"""What can go wrong setting up the local broker; every message says what a person can do."""

from __future__ import annotations


class BrokerSetupError(RuntimeError):
    """Something about the local broker's set-up that a person must fix; the message says what."""


class JarVerificationError(BrokerSetupError):
    """The jar set on disk is not the one recorded in the lock file."""


class JarFetchError(BrokerSetupError):
    """The jar set could not be downloaded."""
