"""Benchmark: an add that alerts three channels, and how soon the alerts reach a loopback Slack.

    .venv/bin/python -m bench.alerts                       # SQLite, 1,000 adds
    .venv/bin/python -m bench.alerts --backend postgresql
    .venv/bin/python -m bench.alerts --database-url sqlite+aiosqlite:///bench/out/bench-acled-1000000.db

Three Slack channels subscribe to the series' alerts. Each add stores a new latest incident,
so it ends the running pause and queues an alert for each channel; the delivery loop runs
as `pausewatch run` runs it (woken after each write) and posts through Slack's own Web API
client to the tests' fake of Slack on loopback. Printed: the add's time as the command
answers it (the loop idle: each add waits for the one before to be marked sent), and the
time from its answer to the third channel's alert at the fake, as the
median, 99th percentile and worst over every add (goals: add ≤ 15 ms, alerts ≤ 200 ms p99).
With --database-url the adds go into that database's series (e.g. a million incidents).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import func, select

from bench.bench import OUT, PG_DEFAULT, fresh_postgresql, settings_for
from bot.app import started
from bot.commands.core import Caller, Core
from bot.notify.delivery import Delivery
from bot.slack.sender import SlackSender
from storage.models import OutboxMessage
from tests.bot.slack.fake_slack import FakeSlack

CHANNELS = ("C-ALERTS-1", "C-ALERTS-2", "C-ALERTS-3")
SERIES = "attacks"
FIRST_DAY = date(2030, 1, 1)  # later than any benchmark data: each add is the newest
# The bot's clock, fixed after the last add's day (not today's date, which the adds would pass).
NOW = datetime(2033, 1, 1, 12, tzinfo=UTC)


async def settled(core: Core) -> None:
    """Wait until the delivery loop has marked every message sent: the next add is timed on
    its own, not behind the loop's writes for the alerts before it."""
    pending = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent")
    while True:
        async with core.database.read() as session:
            if not await session.scalar(pending):
                return
        await asyncio.sleep(0.001)


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000


async def measure(url: str, adds: int) -> tuple[list[float], list[float]]:
    """Add `adds` incidents, each newer than the last; return each add's and its alerts' times."""
    fake = FakeSlack()
    await fake.start()
    stop = asyncio.Event()
    try:
        async with started(settings_for(url), clock=lambda: NOW) as core:
            client = AsyncWebClient(token="xoxb-bench", base_url=fake.api_url)
            delivery = Delivery(core.database, [SlackSender(client)], clock=lambda: NOW)
            core.notify = delivery.wake
            loop = asyncio.create_task(delivery.run(stop))
            for channel in CHANNELS:
                caller = Caller("U-BENCH", True, "slack", channel)
                reply = await core.handle(f"subscribe alerts {SERIES}", caller)
                assert not reply.is_error, reply.headline
            admin = Caller("U-BENCH", True, "slack", "C-WRITES")
            # An incident before the first add: a series' first incident ends no pause.
            await core.handle(f"add {FIRST_DAY - timedelta(days=1)} {SERIES}", admin)
            await asyncio.sleep(0.5)  # its messages (none expected) and the subscriptions' settle
            posted = {c: len(fake.history.get(c, ())) for c in CHANNELS}
            add_times, alert_times = [], []
            for n in range(adds):
                day = FIRST_DAY + timedelta(days=n)
                began = time.perf_counter()
                reply = await core.handle(f"add {day} {SERIES} location:Bench", admin)
                answered = time.perf_counter()
                assert not reply.is_error, reply.headline
                deadline = answered + 30
                while any(len(fake.history.get(c, ())) <= posted[c] + n for c in CHANNELS):
                    if time.perf_counter() > deadline:
                        raise SystemExit(f"add {n + 1}: its alerts did not reach the fake in 30 s")
                    await asyncio.sleep(0.0005)
                alert_times.append(time.perf_counter() - answered)
                add_times.append(answered - began)
                await settled(core)
            stop.set()
            await loop
    finally:
        stop.set()
        await fake.stop()
    return add_times, alert_times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adds", type=int, default=1_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--postgresql-url", default=PG_DEFAULT)
    parser.add_argument("--database-url", help="add into this database (its data kept)")
    args = parser.parse_args()
    url = args.database_url
    if url is None and args.backend == "sqlite":
        OUT.mkdir(exist_ok=True)
        path = OUT / "bench-alerts.db"
        for end in ("", "-wal", "-shm"):
            path.with_name(path.name + end).unlink(missing_ok=True)
        url = f"sqlite+aiosqlite:///{path}"
    elif url is None:
        url = asyncio.run(fresh_postgresql(args.postgresql_url, "pausewatch_bench_alerts"))
    adds, alerts = asyncio.run(measure(url, args.adds))
    print(f"{args.adds:,} adds, each alerting {len(CHANNELS)} channels ({url.split(':', 1)[0]})")
    for name, samples, goal in (("add", adds, 15), ("alerts posted", alerts, 200)):
        print(
            f"  {name:<14} median {statistics.median(samples) * 1000:6.1f} ms   "
            f"p99 {percentile(samples, 0.99):6.1f} ms   worst {max(samples) * 1000:6.1f} ms   "
            f"(goal ≤ {goal} ms)"
        )


if __name__ == "__main__":
    main()
