"""`pausewatch review list|approve|reject`: the queue of incidents from reviewed sources."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.boundary import operate

app = typer.Typer(help="The review queue: incidents from reviewed sources.")


@app.command("list")
def review_list() -> None:
    """List the incidents waiting for review."""
    operate("review", "list")


@app.command("approve")
def review_approve(
    review_id: Annotated[str, typer.Argument(metavar="ID", help="From `pausewatch review list`.")],
) -> None:
    """Store a waiting incident (audited as you) with the alerts of an add."""
    operate("review", "approve", review_id)


@app.command("reject")
def review_reject(
    review_id: Annotated[str, typer.Argument(metavar="ID", help="From `pausewatch review list`.")],
) -> None:
    """Drop a waiting incident; its source will not bring it back."""
    operate("review", "reject", review_id)
