"""Prometheus /metrics: requests by route and status with their latencies, and the store's gauges.

HTTP metrics come from prometheus-fastapi-instrumentator. The business gauges are read from the
store when Prometheus scrapes (a custom collector), so every API replica reports the same figures
and nothing has to keep them up to date.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any, cast

import structlog
from fastapi import FastAPI
from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from prometheus_fastapi_instrumentator import Instrumentator, routing
from prometheus_fastapi_instrumentator.middleware import PrometheusInstrumentatorMiddleware
from sqlalchemy import func
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select
from starlette.requests import Request

from store.db import as_utc
from store.models import Case, OutboxNotification, Task

log = structlog.get_logger("api.metrics")


class StoreGauges(Collector):
    """Open cases per phase, overdue and escalated tasks per DO, the outbox backlog."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[GaugeMetricFamily]:
        up = GaugeMetricFamily("sg989_store_up", "1 when the store answered this scrape")
        try:
            families = list(self._families(datetime.now(UTC)))
        except Exception as exc:  # a scrape reports a store that does not answer instead of failing
            log.warning("metrics_store_unreachable", error=f"{exc.__class__.__name__}: {exc}")
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from families

    def _families(self, now: datetime) -> Iterator[GaugeMetricFamily]:
        with Session(self.engine) as session:
            open_cases = session.exec(
                select(Case.phase, func.count())
                .where(Case.status == "open", col(Case.imported).is_(False))
                .group_by(Case.phase)
            ).all()
            open_tasks = (
                select(Case.do, func.count())
                .select_from(Task)
                .join(Case, col(Task.case_id) == Case.case_id)
            )
            open_tasks = open_tasks.where(Task.status == "open").group_by(Case.do)
            overdue = session.exec(open_tasks.where(col(Task.due_at) < now)).all()
            escalated = session.exec(open_tasks.where(Task.escalation_level > 0)).all()
            backlog, oldest = session.exec(
                select(func.count(), func.min(OutboxNotification.created_at)).where(
                    col(OutboxNotification.sent_at).is_(None)
                )
            ).one()
        yield _labelled("sg989_open_cases", "Open cases per phase", "phase", open_cases)
        yield _labelled(
            "sg989_overdue_tasks", "Open tasks past their deadline per DO", "do", overdue
        )
        yield _labelled(
            "sg989_escalated_tasks", "Open tasks escalated at least once per DO", "do", escalated
        )
        yield GaugeMetricFamily(
            "sg989_outbox_backlog", "Notifications not yet delivered", value=backlog
        )
        oldest_at = as_utc(oldest)
        age = (now - oldest_at).total_seconds() if oldest_at else 0.0
        yield GaugeMetricFamily(
            "sg989_outbox_oldest_undelivered_seconds",
            "Age of the oldest undelivered notification (0 when none waits)",
            value=max(age, 0.0),
        )


def _labelled(name: str, doc: str, label: str, rows: object) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=[label])
    for key, count in rows:  # type: ignore[attr-defined]
        family.add_metric([str(key)], count)
    return family


class RouteIndexedMiddleware(PrometheusInstrumentatorMiddleware):
    """The instrumentator's middleware, with the app's routes flattened once, not per request.

    Its route-template lookup flattens every included router on each request (FastAPI's
    ``effective_route_contexts``), which cost more than the route's own work under the write
    benchmark. The app's routes do not change once it serves, so the flattened list is kept
    (and made again should their number change); the matching itself is the library's.
    """

    _flat: tuple[int, int, list[Any]] | None = None

    def _get_handler(self, request: Request) -> tuple[str, bool]:
        app = request.scope.get("app")
        routes = getattr(app, "routes", None)
        if not routes or self.should_include_root_path:
            return super()._get_handler(request)
        key = (id(routes), len(routes))
        if self._flat is None or self._flat[:2] != key:
            self._flat = (*key, routing._effective_routes(routes))
        name = routing._get_route_name(request.scope, self._flat[2])
        if name is None:  # untemplated, or a trailing-slash redirect: the library decides
            return super()._get_handler(request)
        return name, True


def install_metrics(app: FastAPI, engine: Engine) -> None:
    """GET /metrics, on a registry of this app's own (several apps may live in one process)."""
    registry = CollectorRegistry()
    registry.register(StoreGauges(engine))
    Instrumentator(
        registry=registry,
        excluded_handlers=["/metrics", "/health/live"],
        should_group_status_codes=False,
    ).instrument(app).expose(app, include_in_schema=False, tags=["operations"])
    for entry in app.user_middleware:  # same options, the cheaper route lookup
        if entry.cls is PrometheusInstrumentatorMiddleware:
            entry.cls = cast(Any, RouteIndexedMiddleware)
