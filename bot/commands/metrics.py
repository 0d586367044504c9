"""Prometheus metrics of one bot process, from commands answered to each source's runs.

Commands answered, deliveries, the outbox, digests, each source's runs and how long since its
last success.

Each Core holds its own registry (so that two cores in one test process count apart); the
delivery loop records into the core's, and /metrics serves it. A process that serves no
/metrics (`pausewatch ask`) holds NoMetrics instead, and never loads prometheus_client.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

# From a warm cache hit (about a millisecond) to a cold stats question on a big database.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass(frozen=True)
class SourceSample:
    """One source as /metrics shows it: this process's counts of its runs, and how long
    since its last success (since it was added, if none yet) by the injected clock."""

    name: str
    runs: int
    failures: int
    added: int
    updated: int
    deleted: int
    seconds_since_success: float


class Recorder(Protocol):
    """What the core, the delivery loop and /metrics record and read."""

    def answering(self, verb: str, platform: str) -> AbstractContextManager[list[str]]:
        """Time one command; the caller may set the result ("ok" or "error") in the list."""

    def refused(self, verb: str, platform: str) -> None:
        """Count a command that was refused before it ran (it did not parse, or no database)."""

    def delivered(self, platform: str, kind: str, result: str, at: float) -> None:
        """Count one delivery attempt."""

    def outbox(self, *, pending: int, failed: int, oldest_age: float) -> None:
        """Set the outbox's gauges."""

    def sources(self, samples: Sequence[SourceSample]) -> None:
        """Set what the per-source metrics show (read from the database at scrape time)."""

    def exposition(self) -> bytes:
        """Return every metric in Prometheus' text format."""


class NoMetrics:
    """The metrics of a process that serves no /metrics, such as one question: none are kept."""

    @contextmanager
    def answering(self, verb: str, platform: str) -> Iterator[list[str]]:
        """Run the command unrecorded."""
        yield ["ok"]

    def refused(self, verb: str, platform: str) -> None:
        """Count nothing."""

    def delivered(self, platform: str, kind: str, result: str, at: float) -> None:
        """Count nothing."""

    def outbox(self, *, pending: int, failed: int, oldest_age: float) -> None:
        """Set nothing."""

    def sources(self, samples: Sequence[SourceSample]) -> None:
        """Set nothing."""

    def exposition(self) -> bytes:
        """Return no metric."""
        return b""


class Metrics:
    """The counters, histograms and gauges of one process, in a registry of their own."""

    def __init__(self) -> None:
        # Imported here, not at the top: see NoMetrics.
        from prometheus_client import (
            CollectorRegistry,
            Counter,
            Gauge,
            Histogram,
            disable_created_metrics,
        )
        from prometheus_client.process_collector import ProcessCollector

        # A *_created series beside every counter doubles what Prometheus stores for nothing here.
        disable_created_metrics()
        self.registry = CollectorRegistry()
        ProcessCollector(registry=self.registry)
        self.commands = Counter(
            "pausewatch_commands",
            "Commands answered (questions and writes), by verb, platform and result.",
            ["verb", "platform", "result"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "pausewatch_command_duration_seconds",
            "Time to answer a command, by verb and platform.",
            ["verb", "platform"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.deliveries = Counter(
            "pausewatch_deliveries",
            "Outbox messages tried, by platform, kind and result (sent, retry, failed).",
            ["platform", "kind", "result"],
            registry=self.registry,
        )
        self.digests_sent = Counter(
            "pausewatch_digests_sent",
            "Weekly digests posted.",
            registry=self.registry,
        )
        self.last_delivery = Gauge(
            "pausewatch_last_successful_delivery_timestamp_seconds",
            "When a message was last posted (Unix time); 0 before the first.",
            registry=self.registry,
        )
        self.outbox_pending = Gauge(
            "pausewatch_outbox_pending",
            "Messages waiting to be posted.",
            registry=self.registry,
        )
        self.outbox_failed = Gauge(
            "pausewatch_outbox_failed",
            "Messages kept as failed (`pausewatch outbox` lists them).",
            registry=self.registry,
        )
        self.outbox_oldest_age = Gauge(
            "pausewatch_outbox_oldest_pending_age_seconds",
            "How long the oldest waiting message has waited; 0 when none waits.",
            registry=self.registry,
        )
        self.source_samples: tuple[SourceSample, ...] = ()
        # Collected, not kept in Counters: a removed source's series go with it, and the
        # counts are the pipeline's (bot/commands/sources/tally.py), set just before a scrape.
        self.registry.register(_SourceCollector(self))

    @contextmanager
    def answering(self, verb: str, platform: str) -> Iterator[list[str]]:
        """Time one command; the caller may set the result ("ok" or "error") in the list."""
        result = ["ok"]
        started = time.perf_counter()
        try:
            yield result
        except BaseException:
            result[0] = "error"
            raise
        finally:
            self.latency.labels(verb, platform).observe(time.perf_counter() - started)
            self.commands.labels(verb, platform, result[0]).inc()

    def refused(self, verb: str, platform: str) -> None:
        """Count a command that was refused before it ran (it did not parse, or no database)."""
        self.commands.labels(verb, platform, "error").inc()

    def delivered(self, platform: str, kind: str, result: str, at: float) -> None:
        """Count one delivery attempt; a sent message also sets the last delivery time."""
        self.deliveries.labels(platform, kind, result).inc()
        if result == "sent":
            self.last_delivery.set(at)
            if kind == "digest":
                self.digests_sent.inc()

    def outbox(self, *, pending: int, failed: int, oldest_age: float) -> None:
        """Set the outbox's gauges."""
        self.outbox_pending.set(pending)
        self.outbox_failed.set(failed)
        self.outbox_oldest_age.set(oldest_age)

    def sources(self, samples: Sequence[SourceSample]) -> None:
        """Set what the per-source metrics show (read from the database at scrape time)."""
        self.source_samples = tuple(samples)

    def exposition(self) -> bytes:
        """Return every metric in Prometheus' text format."""
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


class _SourceCollector:
    """Yield the per-source metrics from the samples set last (prometheus_client's Collector)."""

    def __init__(self, metrics: Metrics) -> None:
        self.metrics = metrics

    def describe(self) -> Iterable[Any]:
        """Describe nothing ahead: the sources are known only at scrape time."""
        return ()

    def collect(self) -> Iterable[Any]:
        """Return the sources' counters and gauge."""
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        samples = self.metrics.source_samples
        runs = CounterMetricFamily(
            "pausewatch_source_runs",
            "Runs of each source by this process (scheduled or `source run`), failed ones too.",
            labels=["source"],
        )
        failures = CounterMetricFamily(
            "pausewatch_source_failures",
            "Failed runs of each source by this process (`source list` says the last error).",
            labels=["source"],
        )
        rows = CounterMetricFamily(
            "pausewatch_source_rows",
            "Incidents each source's runs added, updated and deleted in this process.",
            labels=["source", "change"],
        )
        stale = GaugeMetricFamily(
            "pausewatch_source_seconds_since_success",
            "Seconds since each source's last successful run (since it was added, if none yet).",
            labels=["source"],
        )
        for sample in samples:
            runs.add_metric([sample.name], sample.runs)
            failures.add_metric([sample.name], sample.failures)
            for change in ("added", "updated", "deleted"):
                rows.add_metric([sample.name, change], getattr(sample, change))
            stale.add_metric([sample.name], sample.seconds_since_success)
        return (runs, failures, rows, stale)
