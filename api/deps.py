"""Request dependencies: store session, the authenticated caller, role checks, Temporal."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from temporalio.client import Client

from api.auth import AuthError, AuthUnavailable, actor_from_token, bearer_token, signing_key_path
from api.identity import has_news, remember_email_claim
from api.problems import Problem
from domain.case import Actor
from domain.roles import Role
from sg989.settings import Settings

ClientProvider = Callable[[], Awaitable[Client]]
bearer = HTTPBearer(
    auto_error=False,
    description="A JWT with sub, name, roles and units; locally: `sg989 token --role ...`",
)


# Plain look-ups are async: a sync dependency costs a threadpool hop, and under load the
# threadpool is where the store work queues.
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def get_session(engine: Annotated[Engine, Depends(get_engine)]) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


async def get_temporal(request: Request) -> Client:
    provider: ClientProvider = request.app.state.client_provider
    try:
        return await provider()
    except Exception as exc:  # any failure to connect means the engine cannot act now
        raise Problem(503, f"the workflow engine (Temporal) cannot be reached: {exc}") from None


async def get_current_user(
    settings: Annotated[Settings, Depends(get_settings_dep)],
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """Verifying a token is a little CPU work, done on the event loop: every request needs it,
    and a hop to the threadpool costs more. What may block goes to the threadpool: fetching
    the identity provider's keys (JWKS), creating the local key, storing an e-mail claim."""
    try:
        token = bearer_token(request.headers.get("authorization"))
        if settings.jwks_url or not signing_key_path(settings).exists():
            actor = await run_in_threadpool(actor_from_token, settings, token)
        else:
            actor = actor_from_token(settings, token)
    except AuthError as exc:
        raise Problem(401, exc.reason) from None
    except AuthUnavailable as exc:
        raise Problem(503, str(exc)) from None
    if has_news(token, actor):  # issue 10: the directory
        await run_in_threadpool(remember_email_claim, request.app.state.engine, token, actor)
    return actor


def json_response(body: BaseModel | bytes) -> Response:
    """A body the route built from its response model already: FastAPI would validate and
    serialise it a second time (the model stays declared on the route for the OpenAPI schema)."""
    content = body if isinstance(body, bytes) else body.model_dump_json().encode()
    return Response(content=content, media_type="application/json")


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
EngineDep = Annotated[Engine, Depends(get_engine)]
SessionDep = Annotated[Session, Depends(get_session)]
TemporalDep = Annotated[Client, Depends(get_temporal)]
CurrentUser = Annotated[Actor, Depends(get_current_user)]


def require_roles(*roles: Role | str) -> Callable[[Actor], Actor]:
    """A dependency that lets the request through only for callers holding one of ``roles``."""
    wanted = [Role(r) for r in roles]

    def check(user: CurrentUser) -> Actor:
        if not set(wanted) & set(user.roles):
            held = ", ".join(r.value for r in user.roles) or "none"
            raise Problem(
                403,
                f"this needs the role {' or '.join(r.value for r in wanted)}; "
                f"your token carries: {held}",
                missing_roles=[r.value for r in wanted],
            )
        return user

    return check
