"""Termijnen: every running clock of my cases by week, and the same as an iCalendar feed.

Every clock the Zaak page shows, of every case the user may read there (``api.web.deadlines``),
whoever's task it is: overdue ones and those due within the next FEED_DAYS days.

A calendar program cannot sign in, so the feed's address carries a signed key that expires;
the feed holds task labels, case numbers and deadlines, never what a melder said.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from itsdangerous import BadSignature, SignatureExpired

from api.schemas import TaskPublic
from api.web import service
from api.web.dutch import dagen_tot, local, phase, role
from api.web.pages import engine_of, render
from api.web.session import WebUser, serializer
from domain.case import Actor

router = APIRouter(prefix="/app", include_in_schema=False)
FEED_DAYS = 90


def by_week(tasks: list[TaskPublic]) -> list[tuple[str, list[TaskPublic]]]:
    weeks: dict[tuple[int, int], list[TaskPublic]] = defaultdict(list)
    for task in tasks:
        if task.due_at is not None:
            year, week, _ = local(task.due_at).isocalendar()  # type: ignore[union-attr]
            weeks[(year, week)].append(task)
    return [(f"Week {w} van {y}", weeks[(y, w)]) for y, w in sorted(weeks)]


def feed_key(request: Request, user: Actor) -> str:
    claims = user.model_dump(mode="json", exclude={"acting_role"})
    return serializer(request.app.state.settings, "ical").dumps(claims)


async def clocks(request: Request, user: Actor) -> tuple[list[TaskPublic], bool]:
    until = service.now() + timedelta(days=FEED_DAYS)
    return await service.running_clocks(engine_of(request), user, until=until)


@router.get("/termijnen", name="deadlines")
async def deadlines(request: Request, user: WebUser) -> HTMLResponse:
    tasks, more = await clocks(request, user)
    feed = str(request.url_for("deadline_feed")) + "?sleutel=" + feed_key(request, user)
    return render(
        request,
        "termijnen.html",
        user=user,
        title="Termijnen",
        weeks=by_week(tasks),
        now=service.now(),
        dagen_tot=dagen_tot,
        feed=feed,
        feed_days=FEED_DAYS,
        more=more,
        my_roles=set(user.roles),
    )


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """RFC 5545: lines longer than 75 octets continue on the next line after a space."""
    out, current = [], ""
    for char in line:
        if len((current + char).encode()) > 75:
            out.append(current)
            current = " "
        current += char
    return "\r\n".join([*out, current])


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def description(task: TaskPublic) -> str:
    return (
        f"Rol: {role(task.role.value)}. Grondslag: {task.basis}. Fase: {phase(task.phase.value)}."
    )


def icalendar(tasks: list[TaskPublic], base_url: str, now: datetime) -> str:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//sg989//termijnen//NL",
             "CALSCALE:GREGORIAN", "X-WR-CALNAME:sg989 termijnen"]  # fmt: skip
    for task in tasks:
        if task.due_at is None:
            continue
        summary = f"{task.label} — zaak {task.case_id}"
        if task.overdue:
            summary = "TE LAAT: " + summary
        lines += [
            "BEGIN:VEVENT",
            f"UID:{task.task_id}@sg989",
            f"DTSTAMP:{_stamp(now)}",
            f"DTSTART:{_stamp(task.due_at)}",
            f"DTEND:{_stamp(task.due_at + timedelta(minutes=30))}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape(description(task))}",
            f"URL:{base_url}app/zaken/{task.case_id}",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


@router.get("/termijnen.ics", name="deadline_feed")
async def deadline_feed(request: Request, sleutel: str = "") -> Response:
    try:
        claims = serializer(request.app.state.settings, "ical").loads(
            sleutel, max_age=FEED_DAYS * 86400
        )
        user = Actor.model_validate(claims)
    except SignatureExpired:
        return Response("De sleutel van deze agenda is verlopen; haal een nieuwe op.", 401)
    except (BadSignature, ValueError):
        return Response("Deze agenda-sleutel is niet geldig.", 401)
    tasks, _ = await clocks(request, user)
    body = icalendar(tasks, str(request.base_url), service.now())
    return Response(body, media_type="text/calendar; charset=utf-8")
