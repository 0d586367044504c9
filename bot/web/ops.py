"""The operators' endpoints: /healthz (the process is up), /readyz, and /metrics for Prometheus.

/readyz also says which sources are degraded (no success for three of their intervals): a
stale feed is an operator's concern, not a reason to take the bot out of service, so it
answers 200 for them and lists them under checks.sources.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4

from bot.commands import health
from bot.commands.sources import health as source_health
from bot.web.keys import CORE, PLATFORMS

routes = web.RouteTableDef()


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    """Say the process is up: it answers HTTP (nothing else is checked)."""
    return web.json_response({"status": "up"})


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Say whether the bot can work: the database answers, its schema is current, platforms up."""
    core = request.app[CORE]
    database = await health.database(core)
    platforms = request.app[PLATFORMS]()
    checks: dict[str, dict[str, object]] = {
        "database": {"ok": database.answers, "problem": database.problem or None},
        "migrations": {
            "ok": database.migrated,
            "current": database.current,
            "head": database.head,
        },
        "platforms": {
            "ok": all(platforms.values()),
            "connected": platforms,
        },
    }
    ready = all(bool(check["ok"]) for check in checks.values())
    if database.migrated:
        checks["sources"] = await _sources_check(request)
    return web.json_response(
        {"status": "ready" if ready else "not ready", "checks": checks},
        status=200 if ready else 503,
    )


async def _sources_check(request: web.Request) -> dict[str, object]:
    """Say which sources are degraded, naming each and since when it has not succeeded."""
    try:
        found = await source_health.read(request.app[CORE].context)
    except Exception as error:  # any failure to read is said, and readiness stays the others'
        request.app.logger.warning("the sources could not be read for /readyz", exc_info=True)
        return {"ok": False, "problem": type(error).__name__, "degraded": []}
    degraded = [
        {
            "source": s.name,
            "every_minutes": s.every_minutes,
            "last_success": s.last_success.isoformat() if s.last_success else None,
            "no_success_since": s.since.isoformat(),
            "last_error": s.last_error,
        }
        for s in found
        if s.degraded
    ]
    return {"ok": not degraded, "degraded": degraded}


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    """Serve the process's metrics in Prometheus' text format (the outbox read just now)."""
    core = request.app[CORE]
    try:
        await health.refresh_outbox_metrics(core)
    except Exception:
        # A database that does not answer must not hide the other metrics: the gauges
        # keep their last values, and /readyz says what is wrong.
        request.app.logger.warning("the outbox could not be read for /metrics", exc_info=True)
    try:
        context = core.context
        core.metrics.sources(source_health.samples(context, await source_health.read(context)))
    except Exception:
        # As for the outbox: the sources' series keep their last values.
        request.app.logger.warning("the sources could not be read for /metrics", exc_info=True)
    # The text format every Prometheus version reads.
    return web.Response(
        body=core.metrics.exposition(), headers={"Content-Type": CONTENT_TYPE_PLAIN_0_0_4}
    )
