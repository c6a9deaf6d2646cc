"""`sg989 verify-audit`: check the sealed audit timeline of every case in the store."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated

import typer
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from temporalio.client import Client

from sg989.settings import get_settings
from store.audit import ChainVerification, verify_chain
from store.models import AuditEvent, Case

QUERY_TIMEOUT = timedelta(seconds=5)


def case_ids(engine: Engine) -> list[str]:
    """Every case the store knows, from its rows and from its timeline (either may be cut)."""
    with Session(engine) as session:
        recorded = select(Case.case_id).where(col(Case.imported).is_(False), col(Case.last_seq) > 0)
        known = set(session.exec(recorded).all())
        known |= set(session.exec(select(AuditEvent.case_id).distinct()).all())
    return sorted(known)


async def workflow_seq(client: Client, case_id: str) -> int | None:
    """How many events the case's workflow itself has decided; None if it cannot say."""
    from workflows.case import CaseWorkflow

    try:
        state = await client.get_workflow_handle(case_id).query(
            CaseWorkflow.state, rpc_timeout=QUERY_TIMEOUT
        )
    except Exception:  # no such workflow (any more), no worker: the store's own checks stand
        return None
    return state.seq


async def verify_all(engine: Engine, client: Client | None) -> list[ChainVerification]:
    results = []
    for case_id in case_ids(engine):
        seq = await workflow_seq(client, case_id) if client else None
        with Session(engine) as session:
            results.append(verify_chain(session, case_id, workflow_seq=seq))
    return results


def verify_audit_cmd(
    workflows: Annotated[
        bool,
        typer.Option(help="Also compare each chain with its workflow's own count (if reachable)."),
    ] = True,
) -> None:
    """Check every case's audit chain: seals, signed head and checkpoints, and the workflow."""
    from sg989.cli_output import fail, say
    from sg989.stack import temporal_reachable
    from sg989.store_check import StoreNotReady, ready_engine
    from sg989.temporal import connect

    settings = get_settings()
    try:  # the schema at head (migrated on the embedded default), or one line saying what to run
        engine = ready_engine(settings, say=say)
    except StoreNotReady as exc:
        raise fail(str(exc)) from None

    async def run() -> list[ChainVerification]:
        client = None
        if workflows and await temporal_reachable(settings):
            client = await connect(settings)
        elif workflows:
            typer.echo("Temporal is not reachable: checking the store's own seals only", err=True)
        return await verify_all(engine, client)

    results = asyncio.run(run())
    broken = [r for r in results if not r.ok]
    for result in broken:
        typer.echo(f"BROKEN {result.case_id}: {result.reason}")
    typer.echo(f"{len(results)} case(s) checked, {len(broken)} broken")
    if broken:
        raise typer.Exit(code=1)
