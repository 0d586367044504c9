"""`pausewatch outbox [retry ID]`: messages waiting to be posted, and those that failed."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.boundary import call, fail

if TYPE_CHECKING:
    from bot.commands.operations import QueuedMessage

app = typer.Typer(help="Messages waiting to be posted, and those that failed.")


@app.callback(invoke_without_command=True)
def outbox_list(context: typer.Context) -> None:
    """List the pending, held (for a channel's quiet hours) and failed messages, oldest first."""
    from bot.commands import operations

    if context.invoked_subcommand is not None:
        return

    def report(messages: list[QueuedMessage]) -> None:
        if not messages:
            typer.echo("The outbox is empty: every message was posted.")
        for message in messages:
            typer.echo(
                f"#{message.id}  {message.status:<7}  {message.kind:<6}  "
                f"{message.platform}:{message.channel}  tries {message.attempts}  "
                f"next {message.next_attempt_at:%Y-%m-%d %H:%M}  {message.headline}"
                + (f"\n      last error: {message.last_error}" if message.last_error else "")
            )

    call(lambda core: operations.unsent(core.context), report)


@app.command("retry")
def outbox_retry(
    message_id: Annotated[
        int, typer.Argument(help="The message's number, from `pausewatch outbox`.")
    ],
) -> None:
    """Try a failed or waiting message again at once, with fresh attempts."""
    from bot.commands import operations

    def report(found: bool) -> None:
        if not found:
            fail(f"there is no unsent message #{message_id}; `pausewatch outbox` lists them")
        typer.echo(f"Message #{message_id} will be sent again by the running bot.")

    call(lambda core: operations.retry(core.context, message_id), report)
