"""Operations: Prometheus metrics, health endpoints, structured logging."""
