"""Tests of the measurement core (statistics, compare, concurrency, sweep)."""
