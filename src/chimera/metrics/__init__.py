"""Per-call measurements and the statistics computed over them."""

from chimera.metrics.record import CallMetrics, StreamClock

__all__ = ["CallMetrics", "StreamClock"]
