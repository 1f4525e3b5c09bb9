"""Per-site statistics: a faust-streaming job over the worker's output topics."""
