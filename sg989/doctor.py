"""`sg989 doctor`: is this installation fit to run? One plain line per check.

Checks settings, the store and its schema revision, Temporal and its namespace, the search
attributes, the keys, SMTP and the directory of people. Checks of settings that not every version
has (keys, SMTP) read them with getattr and say so when they are absent.
"""

from __future__ import annotations

import asyncio
import os
import socket
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Literal

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from sg989.settings import Settings
from sg989.store_check import display_url, schema_problem
from store.migrate import current_revisions, head_revisions

Status = Literal["ok", "warn", "fail"]
SEARCH_ATTRIBUTES = ("CaseNumber", "Phase", "Defensieonderdeel", "Category", "Overdue")
TIMEOUT = 5.0


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str

    def line(self) -> str:
        return f"{self.status:<4}  {self.name:<18} {self.detail}"


def check_settings(settings: Settings) -> Check:
    problems = []
    if settings.log_format not in ("console", "json"):
        problems.append(f"SG989_LOG_FORMAT is '{settings.log_format}' (console or json)")
    if settings.up_processes not in ("one", "separate"):
        problems.append(f"SG989_UP_PROCESSES is '{settings.up_processes}' (one or separate)")
    if problems:
        return Check("settings", "fail", "; ".join(problems))
    where = "production store" if settings.database_url else "embedded default"
    auth = "identity provider " + settings.jwks_url if settings.jwks_url else "local signing key"
    return Check("settings", "ok", f"{where}, tokens from the {auth}")


def check_store(settings: Settings, engine: Engine) -> Check:
    url = display_url(settings.sqlalchemy_url)
    try:
        current = current_revisions(engine)
    except Exception as exc:  # doctor reports every failure instead of raising it
        reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
        return Check("store", "fail", f"{url} does not answer: {reason}")
    problem = schema_problem(current, head_revisions())
    if problem:
        return Check("store", "fail", f"{url}: {problem}")
    return Check("store", "ok", f"{url} at revision {', '.join(sorted(current))} (newest)")


def _days(span: timedelta) -> str:
    """A retention as an operator writes it: `30 days`, not `30 days, 0:00:00`."""
    if span % timedelta(days=1):
        return str(span)
    days = span.days
    return f"{days} day" if days == 1 else f"{days} days"


def check_directory(engine: Engine) -> Check:
    from store.models import Person

    try:
        with Session(engine) as session:
            reachable = session.exec(
                select(func.count()).where(
                    col(Person.active).is_(True), col(Person.email).is_not(None), Person.email != ""
                )
            ).one()
    except Exception as exc:  # the store check names the cause already
        return Check("directory", "fail", f"cannot read the directory ({exc.__class__.__name__})")
    if not reachable:
        return Check(
            "directory",
            "fail",
            "no active person with an e-mail address: nobody hears of tasks or escalations "
            "(`sg989 directory import FILE.csv` loads them)",
        )
    return Check("directory", "ok", f"{reachable} active people with an e-mail address")


def check_notifications(engine: Engine) -> Check:
    """Notifications that reach nobody without the beheerder's help (issue 10)."""
    from store.notifications import undeliverable

    with Session(engine) as session:
        stuck = undeliverable(session)
    if not stuck:
        return Check("notifications", "ok", "every notification found its recipients")
    first = stuck[0]
    return Check(
        "notifications",
        "fail",
        f"{len(stuck)} undeliverable, e.g. case {first.case_id}: {first.reason or first.last_error}"
        " (GET /notifications/undeliverable, `sg989 directory undeliverable --retry`)",
    )


async def check_temporal(settings: Settings) -> list[Check]:
    """Reachability and namespace retention, then the search attributes the cases need."""
    from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
    from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
    from temporalio.client import Client

    address, namespace = settings.temporal_address, settings.temporal_namespace
    skipped = Check("search attributes", "fail", "not checked: Temporal does not answer")
    try:
        client = await asyncio.wait_for(Client.connect(address, namespace=namespace), TIMEOUT)
    except Exception as exc:  # doctor reports every failure instead of raising it
        return [Check("temporal", "fail", f"{address} does not answer ({_why(exc)})"), skipped]
    try:
        described = await client.workflow_service.describe_namespace(
            DescribeNamespaceRequest(namespace=namespace), timeout=_seconds()
        )
    except Exception as exc:  # doctor reports every failure instead of raising it
        how = f"temporal operator namespace create -n {namespace} --retention 30d"
        detail = f"{address} answers, but namespace {namespace} is not usable ({_why(exc)}): {how}"
        return [Check("temporal", "fail", detail), skipped]
    retention = _days(described.config.workflow_execution_retention_ttl.ToTimedelta())
    temporal = Check("temporal", "ok", f"{address}, namespace {namespace}, retention {retention}")
    try:
        listed = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace), timeout=_seconds()
        )
    except Exception as exc:  # doctor reports every failure instead of raising it
        return [temporal, Check("search attributes", "fail", f"cannot list them: {exc}")]
    missing = [name for name in SEARCH_ATTRIBUTES if name not in listed.custom_attributes]
    if missing:
        how = "; ".join(f"temporal operator search-attribute create --name {m}" for m in missing)
        return [
            temporal,
            Check("search attributes", "fail", f"missing {', '.join(missing)}: {how}"),
        ]
    return [temporal, Check("search attributes", "ok", ", ".join(SEARCH_ATTRIBUTES))]


def _seconds() -> timedelta:
    return timedelta(seconds=TIMEOUT)


def _why(exc: BaseException) -> str:
    text = str(exc)
    if "refused" in text.lower():
        return "connection refused"
    first = text.strip().splitlines()[0] if text.strip() else type(exc).__name__
    return first[:160]


def _key_file(name: str, path: Path, generated: bool) -> Check:
    if not path.exists():
        if generated:
            return Check(name, "warn", f"{path} does not exist yet: created on first use")
        return Check(name, "fail", f"{path} does not exist")
    try:
        content = path.read_bytes()
    except OSError as exc:
        return Check(name, "fail", f"{path} cannot be read: {exc.strerror}")
    if not content.strip():
        return Check(name, "fail", f"{path} is empty")
    if os.name == "posix" and path.stat().st_mode & 0o077:
        return Check(name, "fail", f"{path} is readable by others: chmod 600 {path}")
    return Check(name, "ok", f"{path}")


def check_keys(settings: Settings) -> list[Check]:
    checks = []
    inline = getattr(settings, "payload_keys", None)
    getter = getattr(inline, "get_secret_value", None)
    secret = getter() if getter else inline
    if secret:
        checks.append(Check("payload codec key", "ok", "from SG989_PAYLOAD_KEYS"))
    elif hasattr(settings, "payload_key_file"):
        named = getattr(settings, "payload_key_file", None)
        path = Path(named) if named else settings.data_dir / "payload-keys"
        checks.append(_key_file("payload codec key", path, generated=named is None))
    else:
        checks.append(Check("payload codec key", "warn", "this version has no payload codec"))
    named_audit = os.environ.get("SG989_AUDIT_KEY_FILE") or getattr(
        settings, "audit_key_file", None
    )
    audit = Path(named_audit) if named_audit else settings.data_dir / "audit.key"
    checks.append(_key_file("audit key", audit, generated=not named_audit))
    if not settings.jwks_url and settings.local_signing_key_file:
        checks.append(_key_file("signing key", settings.local_signing_key_file, generated=True))
    return checks


def check_smtp(settings: Settings) -> Check:
    host, port = getattr(settings, "smtp_host", None), getattr(settings, "smtp_port", None)
    if not host or not port:
        return Check("smtp", "warn", "not configured (SG989_SMTP_HOST, SG989_SMTP_PORT)")
    named = "smtp_host" in settings.model_fields_set or os.environ.get("SG989_SMTP_HOST")
    try:
        with socket.create_connection((host, int(port)), timeout=TIMEOUT) as conn:
            banner = conn.recv(512).decode(errors="replace").strip()
    except OSError as exc:
        if getattr(settings, "smtp_sink", False) and not named:
            return Check("smtp", "warn", f"{host}:{port}: the local sink runs under `sg989 up`")
        return Check("smtp", "fail", f"{host}:{port} does not answer: {exc.strerror or exc}")
    if not banner.startswith("220"):
        return Check("smtp", "fail", f"{host}:{port} is not an SMTP server ({banner[:60]!r})")
    return Check("smtp", "ok", f"{host}:{port} answers")


async def run_checks(settings: Settings, engine: Engine) -> list[Check]:
    store = await asyncio.to_thread(check_store, settings, engine)
    checks = [check_settings(settings), store]
    checks += await check_temporal(settings)
    checks += check_keys(settings)
    checks.append(await asyncio.to_thread(check_smtp, settings))
    if store.status == "ok":
        checks.append(await asyncio.to_thread(check_directory, engine))
        checks.append(await asyncio.to_thread(check_notifications, engine))
    else:
        checks.append(Check("directory", "fail", "not checked: the store is not usable"))
    return checks
