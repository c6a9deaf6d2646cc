"""Temporal errors nobody handled on the way still leave as problem+json: 409 or 503."""

from __future__ import annotations

import json

import pytest
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from api.problems import unexpected_problem


@pytest.mark.parametrize(
    ("error", "status", "words"),
    [
        (RPCError("gone", RPCStatusCode.NOT_FOUND, b""), 409, "closed or unknown"),
        (RPCError("busy", RPCStatusCode.FAILED_PRECONDITION, b""), 409, "current state"),
        (RPCError("down", RPCStatusCode.UNAVAILABLE, b""), 503, "cannot act now"),
        (WorkflowUpdateRPCTimeoutOrCancelledError(), 503, "did not answer in time"),
    ],
)
def test_temporal_errors_map_to_409_or_503(error: Exception, status: int, words: str) -> None:
    response = unexpected_problem(error)
    assert response.status_code == status
    assert response.media_type == "application/problem+json"
    assert words in json.loads(bytes(response.body))["detail"]
