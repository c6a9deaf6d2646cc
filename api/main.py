"""The FastAPI application: `create_app` wires settings, store and Temporal into the routers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from fastapi import Depends, FastAPI
from sqlalchemy.engine import Engine
from temporalio.client import Client

from api.deps import ClientProvider
from api.limits import AddressCharacters, BodySizeLimit
from api.metrics import install_metrics
from api.middleware import install_request_context
from api.openapi import install_openapi
from api.problems import install_problem_handlers
from api.routers import (
    cases,
    directory,
    due_process,
    health,
    imports,
    notifications,
    reports,
    tasks,
    timeline,
)
from api.routers import codec as codec_server
from api.strict import reject_unknown_query
from api.web import install_web
from domain.policy import DeadlinePolicy
from sg989 import collector
from sg989.logging import configure_logging
from sg989.organisation_file import UNITS_FILE, load_organisation
from sg989.policy_files import load_policy
from sg989.settings import Settings, get_settings
from sg989.telemetry import install_runtime
from sg989.temporal import connect
from store.db import make_engine

DESCRIPTION = """
Role-based access to SG-989 integrity cases. Every request carries a bearer token
(`sg989 token --role commandant --unit CLAS/11LMB --name "..."` prints one locally).
Writes are workflow Updates; reads come from the store, within need-to-know.
Errors are RFC 9457 `application/problem+json`.
"""


def lazy_client(settings: Settings) -> ClientProvider:
    """Connects on first use and reconnects after a failure, so the API starts without Temporal."""
    state: dict[str, Client] = {}
    lock = asyncio.Lock()

    async def provide() -> Client:
        async with lock:
            if "client" not in state:
                state["client"] = await connect(settings)
            return state["client"]

    return provide


def policy_for(settings: Settings) -> DeadlinePolicy:
    return load_policy(settings.policy_file) if settings.policy_file else load_policy()


def create_app(
    settings: Settings | None = None,
    engine: Engine | None = None,
    client_provider: ClientProvider | None = None,
) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.engine.dispose()

    app = FastAPI(
        title="sg989 case engine",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        dependencies=[Depends(reject_unknown_query)],
    )
    app.state.settings = settings
    app.state.engine = engine or make_engine(settings.sqlalchemy_url)
    app.state.client_provider = client_provider or lazy_client(settings)
    app.state.policy = policy_for(settings)
    app.state.organisation = load_organisation(settings.units_file or UNITS_FILE)
    install_problem_handlers(app)
    app.add_middleware(BodySizeLimit)  # inside the request context: a 413 is logged too
    app.add_middleware(AddressCharacters)  # and so is a 400 for a NUL in the address
    install_request_context(app)
    for module in (cases, tasks, timeline, reports, health):
        app.include_router(module.router)
    app.include_router(due_process.router)
    app.include_router(codec_server.router)  # the Temporal UI's codec server (issue 9)
    app.include_router(directory.router)  # issue 10
    app.include_router(notifications.router)  # issue 10
    app.include_router(imports.router)
    install_metrics(app, app.state.engine)
    install_web(app)  # the web app (/app), its assets and offline /docs
    install_openapi(app)
    return app


def build_server(app: FastAPI, settings: Settings) -> uvicorn.Server:
    """A uvicorn server to run beside the worker in one process (`sg989 up --one-process`)."""
    config = uvicorn.Config(app, host=settings.api_host, port=settings.api_port, log_config=None)
    return uvicorn.Server(config)


def docs_url(settings: Settings) -> str:
    return f"http://{settings.api_host}:{settings.api_port}/docs"


def app_factory() -> FastAPI:
    """For `uvicorn --factory api.main:app_factory`: settings from SG989_* variables."""
    settings = get_settings()
    configure_logging(settings.log_format)
    install_runtime()
    app = create_app(settings)
    collector.settle(settings.gc_young_threshold)
    return app
