"""The chat replies about sources: the list, what a run did, a source added."""

from __future__ import annotations

from datetime import datetime

from bot.commands.sources.reports import RunReport, SourceInfo
from bot.domain.replies import Reply
from bot.settings import every_text
from storage import sources as stored_sources


def describe(info: SourceInfo) -> str:
    """Say what a source reads, how often, and how it is trusted."""
    where = info.url or "ACLED's API"
    if info.query:
        where += " (" + " ".join(f"{k}:{v}" for k, v in info.query.items()) + ")"
    trust = "reviewed" if info.reviewed else "trusted"
    return f"{info.kind} {where} → {info.series}, every {every_text(info.every_minutes)}, {trust}"


def _when(moment: datetime | None) -> str:
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else ""


def status_text(info: SourceInfo) -> str:
    """Say how the last run went (a failed one's error is its own line: see health_lines)."""
    if info.status == stored_sources.NEVER:
        return "not run yet"
    if info.status == stored_sources.FAILED:
        return f"FAILED {_when(info.last_run_at)}"
    return f"ok {_when(info.last_run_at)}: {info.message}"


def health_lines(info: SourceInfo) -> list[str]:
    """Say the last error (while the last run failed), the last success and the next run."""
    lines = []
    if info.status == stored_sources.FAILED:
        lines.append(f"last error: {info.message}")
    success = _when(info.last_ok_at) or "none yet"
    if info.next_run_at is None:
        lines.append(f"last success: {success}")
    else:
        # A slot not yet claimed is run by the scheduler's next check, within a minute.
        upcoming = "due now (within a minute)" if info.next_run_due else _when(info.next_run_at)
        lines.append(f"last success: {success} · next run: {upcoming}")
    return lines


def listing_reply(found: list[SourceInfo]) -> Reply:
    """List the sources for chat."""
    if not found:
        return Reply(
            headline="There are no sources",
            details=(
                "`source add NAME kind:csv url:URL` reads a published sheet; "
                "`source add NAME kind:acled country:Iraq` reads ACLED's API.",
            ),
        )
    details = []
    for info in found:
        waiting = f"; {info.waiting:,} waiting for review" if info.waiting else ""
        details.append(f"• {info.name}: {describe(info)}{waiting}")
        details.append(f"   last run: {status_text(info)}")
        details.extend(f"   {line}" for line in health_lines(info))
    return Reply(
        headline=f"{len(found)} source{'s' if len(found) != 1 else ''}",
        details=tuple(details),
    )


def report_reply(report: RunReport) -> Reply:
    """Say what a run did."""
    if not report.ok:
        return Reply.error(
            f"Source {report.name} failed: {report.message}",
            "Its last good position is kept; the next run tries again.",
        )
    details = []
    if report.alerts:
        details.append(f"{report.alerts} alert{'s' if report.alerts != 1 else ''} queued.")
    if report.queued:
        details.append("`review list` shows the candidates.")
    return Reply(headline=f"Source {report.name}: {report.message}", details=tuple(details))


def added_reply(info: SourceInfo) -> Reply:
    """Say that a source was added and when it first runs."""
    return Reply(
        headline=f"Source {info.name} added: {describe(info)}",
        details=(
            f"It runs within a minute, then every {every_text(info.every_minutes)}; "
            f"`source run {info.name}` runs it now.",
        ),
    )


def removed_reply(name: str) -> Reply:
    """Say that a source was removed."""
    return Reply(headline=f"Source {name} removed; its waiting candidates are withdrawn")
