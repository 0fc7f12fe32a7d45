"""The only module that touches the network: one HTTP GET through an injectable transport."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

USER_AGENT = "chmgen (national CHM static site generator; +https://github.com/)"


@dataclass(frozen=True)
class Request:
    """One GET request: the full URL and its extra headers (conditional ones included)."""

    url: str
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Response:
    """What the server answered: any status (errors included), headers with lower-case names."""

    status: int
    headers: Mapping[str, str]
    body: bytes


class TransportError(Exception):
    """No HTTP answer at all: ``kind`` is ``timeout``, ``connection`` or ``truncated``."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class Transport(Protocol):
    """Sends one request and returns the response; raises TransportError when there is none."""

    def send(self, request: Request, timeout: float) -> Response: ...


class UrllibTransport:
    """The real network, through the standard library (anonymous, read-only GETs)."""

    def send(self, request: Request, timeout: float) -> Response:
        # Imported here: a build from the cache never opens a connection, and urllib's
        # TLS and e-mail modules are a tenth of chmgen's start-up.
        import http.client
        import urllib.error
        import urllib.request

        headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **request.headers}
        req = urllib.request.Request(request.url, headers=headers, method="GET")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as reply:  # noqa: S310 (http/s only)
                return Response(reply.status, _headers(reply.headers.items()), _read(reply))
        except urllib.error.HTTPError as error:
            # 304, 4xx and 5xx arrive as exceptions; to the caller they are ordinary answers.
            body = _read(error) if error.fp is not None else b""
            return Response(error.code, _headers((error.headers or {}).items()), body)
        except TimeoutError as error:
            raise TransportError("timeout", f"no answer within {timeout:g} s") from error
        except urllib.error.URLError as error:
            reason = error.reason
            if isinstance(reason, TimeoutError):
                raise TransportError("timeout", f"no answer within {timeout:g} s") from error
            raise TransportError("connection", f"cannot connect ({_reason(reason)})") from error
        except (ConnectionError, http.client.HTTPException, OSError) as error:
            raise TransportError("connection", f"connection failed ({_reason(error)})") from error


def _read(reply: object) -> bytes:
    import http.client

    try:
        return reply.read()  # type: ignore[attr-defined, no-any-return]
    except http.client.IncompleteRead as error:
        raise TransportError("truncated", f"the answer was cut off after "
                             f"{len(error.partial)} bytes") from error
    except TimeoutError as error:
        raise TransportError("timeout", "the answer stopped arriving") from error
    except (ConnectionError, OSError) as error:
        raise TransportError("connection", f"connection lost ({_reason(error)})") from error


def _headers(items: object) -> dict[str, str]:
    return {str(name).lower(): str(value) for name, value in items}  # type: ignore[attr-defined]


def _reason(error: object) -> str:
    if isinstance(error, OSError) and error.strerror:
        return error.strerror.lower()
    text = str(error) or type(error).__name__
    return text[0].lower() + text[1:]
