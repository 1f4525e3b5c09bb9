"""The domain core: pure functions and small dataclasses, no Kafka, no I/O.

raw page → segments (text or HTML) → features → model scores → context smoothing
→ a PageVerdict, from which the output records are built.
"""
