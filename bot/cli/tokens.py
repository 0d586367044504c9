"""`pausewatch token create|list|revoke`: the HTTP API's tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from bot.cli.boundary import call, fail, stderr
from bot.commands.command import CommandError

if TYPE_CHECKING:
    from bot.commands.core import Core

# What `token list` says each scope may do.
MAY = {
    "read": "reads only",
    "write": "reads and writes",
    "admin": "reads, writes, sources and reviews",
}
app = typer.Typer(
    help="API tokens: the HTTP API's writes need one, and its reads, the board and the badge "
    "unless a setting makes them public."
)


@app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="Who or what uses it, e.g. newsroom-wall.")],
    read: Annotated[
        bool,
        typer.Option(
            "--read",
            help="A token that may only read (the API's questions, the board, the badge): "
            "for a wall screen or a page; without it, the token writes too.",
        ),
    ] = False,
    admin: Annotated[
        bool,
        typer.Option(
            "--admin",
            help="A token that may also list and run the sources and approve or reject the "
            "review queue's incidents through the API (and write, and read).",
        ),
    ] = False,
) -> None:
    """Make a token; it is shown this once (only its hash is stored)."""
    from bot.commands import tokens

    if read and admin:
        fail("a token is either --read or --admin, not both")
    scope = tokens.READ if read else tokens.ADMIN if admin else tokens.WRITE

    async def work(core: Core) -> str:
        try:
            return await tokens.create(core.context, name, scope=scope)
        except CommandError as error:
            fail(str(error))

    def report(secret: str) -> None:
        typer.echo(secret)
        may = {
            tokens.READ: "It may only read",
            tokens.WRITE: f"It may read and write; writes with it are audited as token:{name}",
            tokens.ADMIN: "It may read, write, and run sources and decide reviews; what it "
            f"does is audited as token:{name}",
        }[scope]
        stderr().print(
            f"Token {name!r} made. It is shown this once: keep it (send it as "
            "`Authorization: Bearer TOKEN`, or for the board and the badge add ?token=TOKEN "
            f"to the address). {may}. `pausewatch token revoke {name}` stops it.",
            highlight=False,
            markup=False,
        )

    call(work, report)


@app.command("list")
def token_list() -> None:
    """List the tokens (never their secrets): what each may do, made, last used, revoked."""
    from bot.commands import tokens

    def report(found: list[tokens.TokenInfo]) -> None:
        if not found:
            typer.echo("There is no API token; `pausewatch token create NAME` makes one.")
        for token in found:
            used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
            state = f"revoked {token.revoked_at:%Y-%m-%d %H:%M}" if token.revoked_at else "live"
            may = MAY.get(token.scope, "reads and writes")
            typer.echo(
                f"{token.name}  {may}  made {token.created_at:%Y-%m-%d %H:%M}  "
                f"last used {used}  {state}"
            )

    call(lambda core: tokens.listing(core.context), report)


@app.command("revoke")
def token_revoke(name: Annotated[str, typer.Argument(help="The token's name.")]) -> None:
    """Revoke a token: requests with it are refused from now on."""
    from bot.commands import tokens

    def report(revoked: bool) -> None:
        if not revoked:
            fail(f"there is no live token {name!r}; `pausewatch token list` lists them")
        typer.echo(f"Token {name!r} is revoked.")

    call(lambda core: tokens.revoke(core.context, name), report)
