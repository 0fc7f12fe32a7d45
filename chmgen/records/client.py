"""Polite requests to the central CHM: per-request timeout, retries with backoff on timeouts,
connection errors, 429 and 5xx (honouring Retry-After), and a fast stop once it is down."""

from __future__ import annotations

import email.utils
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http import HTTPStatus

from chmgen.records.transport import Request, Response, Transport, TransportError


@dataclass(frozen=True)
class Policy:
    """How hard to try: ``attempts`` per request, first wait ``backoff`` seconds (doubled each
    retry); a Retry-After longer than ``max_wait`` ends the attempts."""

    timeout: float = 20.0
    attempts: int = 3
    backoff: float = 0.5
    max_wait: float = 30.0


class RequestFailed(Exception):
    """A request got no usable answer; the message says what happened, for the user."""


class Client:
    """Sends GETs to one API base through a transport; shared by the worker threads of a run.

    Once a request has failed at the connection level (or the server said 429) after every
    attempt, the API counts as down for the rest of the run: later requests fail at once
    instead of each waiting through their own timeouts.
    """

    def __init__(self, transport: Transport, base: str, policy: Policy,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.transport, self.base, self.policy, self.sleep = transport, base, policy, sleep
        self._lock = threading.Lock()
        self._down: str | None = None
        self.sent = 0

    def get(self, request: str, headers: Mapping[str, str] | None = None) -> Response:
        """A 200 or 304 response to ``request`` (a path with query), else RequestFailed."""
        problem, attempt = "", 0
        for attempt in range(1, self.policy.attempts + 1):
            with self._lock:
                if self._down:
                    raise RequestFailed(f"not tried: {self._down}")
                self.sent += 1
            try:
                response = self.transport.send(Request(self.base + request, dict(headers or {})),
                                               self.policy.timeout)
            except TransportError as error:
                problem, wait = str(error), self._backoff(attempt)
                if attempt == self.policy.attempts and error.kind != "truncated":
                    self._give_up(f"the central CHM did not answer ({problem})")
            else:
                if response.status in (200, 304):
                    return response
                problem = _describe(response.status)
                if not _retryable(response.status):
                    raise RequestFailed(problem)
                wait = _retry_after(response.headers) or self._backoff(attempt)
                if wait > self.policy.max_wait:
                    problem += f", retry asked after {wait:.0f} s"
                    break
                if attempt == self.policy.attempts and response.status == 429:
                    self._give_up(f"the central CHM asked to slow down ({problem})")
            if attempt < self.policy.attempts:
                self.sleep(wait)
        raise RequestFailed(f"{problem} (after {attempt} attempt{'s' if attempt > 1 else ''})")

    def _backoff(self, attempt: int) -> float:
        return float(self.policy.backoff * 2 ** (attempt - 1))

    def _give_up(self, reason: str) -> None:
        with self._lock:
            self._down = self._down or reason


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _describe(status: int) -> str:
    try:
        return f"HTTP {status} {HTTPStatus(status).phrase}"
    except ValueError:
        return f"HTTP {status}"


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
