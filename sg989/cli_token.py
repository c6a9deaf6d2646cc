"""`sg989 token`: print a bearer token signed with the local key, for trying the API."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from domain.roles import Role


def token_cmd(
    role: Annotated[
        list[str], typer.Option("--role", help="Role(s): " + ", ".join(r.value for r in Role))
    ],
    unit: Annotated[list[str], typer.Option("--unit", help="Unit scope(s), e.g. CLAS/11LMB")] = [],  # noqa: B006
    name: Annotated[str, typer.Option("--name", help="Display name")] = "Proefgebruiker",
    sub: Annotated[
        str | None, typer.Option("--sub", help="Subject id; default: from the name")
    ] = None,
    hours: Annotated[int, typer.Option("--hours", min=1, max=24 * 30, help="Valid for")] = 8,
) -> None:
    """Print a token for the embedded default (local signing key); production uses the IdP."""
    from api.tokens import issue_local_token
    from sg989.settings import get_settings

    settings = get_settings()
    if settings.jwks_url:
        typer.echo("error: SG989_JWKS_URL is set: tokens come from the identity provider", err=True)
        raise typer.Exit(code=2)
    try:
        roles = [Role(r) for r in role]
    except ValueError as exc:
        typer.echo(f"error: {exc}; known roles: {', '.join(r.value for r in Role)}", err=True)
        raise typer.Exit(code=2) from None
    subject = sub or name.lower().replace(" ", ".")
    token = issue_local_token(
        settings, sub=subject, name=name, roles=roles, units=unit, ttl=timedelta(hours=hours)
    )
    typer.echo(token)
