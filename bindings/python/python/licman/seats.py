"""Seats: a lease from a ``licman-seats serve`` held while a product runs, and the seat store embedded.

**The embedded store** (:class:`Store`) is licman-seats itself, on a SQLite
file or a PostgreSQL URL: it runs the CLI's commands and answers with the
same JSON-shaped results (dicts and lists) as ``licman-seats --json`` and
the server::

    store = licman.seats.Store("seats.db", actor="it-team")
    pool = store.run("pool", "create", name="CAD", vendor="Autodesk", capacity=5, cost="12.50")
    store.run("user", "add", "ada", email="ada@example.com")
    seat = store.run("assign", "CAD", "ada")
    store.run("assignments", pool="CAD")["items"]

**The lease client** (:class:`Lease`) holds a floating seat of a server:

>>> from licman.seats import Lease, CapacityExceeded                       # doctest: +SKIP
>>> with Lease("http://seats.internal:8080", token, pool="CAD", holder="ws-17") as lease:  # doctest: +SKIP
...     run_the_product()          # heartbeats go out in the background
...     lease.check()              # raises LeaseLost if the seat was taken back

The lease is checked out on entry (``capacity_exceeded`` raises
:class:`CapacityExceeded` with the pool's capacity and allocation),
heartbeated from a daemon thread at a third of the time it has left (or
every ``heartbeat_every`` seconds), and released on exit, on
:meth:`Lease.close`, or when the interpreter exits. If the server answers
a heartbeat with ``unknown_lease`` or ``lease_not_out`` (culled, released
by an operator, the pool changed), or the lease runs out before a
heartbeat gets through, the lease is *lost*: :attr:`Lease.lost` holds a
:class:`LeaseLost`, ``on_lost`` is called once, and :meth:`Lease.check`
raises it. A server that is busy or unreachable for a beat is tried again
at the next one.

The client speaks the server's REST API with the standard library
(``urllib``); it converts JSON to Python types and nothing more.
"""

from __future__ import annotations

import atexit
import json
import math
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from dataclasses import dataclass
from datetime import datetime, timezone
from types import TracebackType
from typing import Any, Callable, Optional

from ._errors import LicmanError
from ._native import SeatStore as _SeatStore
from ._native import __version__

__all__ = ["CapacityExceeded", "LeaseInfo", "Lease", "LeaseLost", "SeatError", "SeatServerUnreachable", "Store"]

USER_AGENT = f"licman-python/{__version__}"


class SeatError(LicmanError):
    """The seat server refused: ``http_status``, ``code`` and ``message``
    (``details``: the error's other fields, such as ``capacity``)."""

    http_status: int
    details: dict[str, Any]

    def __init__(self, code: str, message: str, http_status: int, details: Optional[dict[str, Any]] = None) -> None:
        super().__init__(code, message)
        self.http_status = http_status
        self.details = dict(details or {})

    def __str__(self) -> str:
        return f"{self.message} ({self.code})"


class CapacityExceeded(SeatError):
    """Every seat of the pool is out (``capacity`` and ``allocated`` say how many)."""

    @property
    def capacity(self) -> Optional[int]:
        value = self.details.get("capacity")
        return value if isinstance(value, int) else None

    @property
    def allocated(self) -> Optional[int]:
        value = self.details.get("allocated")
        return value if isinstance(value, int) else None


class LeaseLost(SeatError):
    """The lease no longer holds a seat: taken back, culled, or run out."""


class SeatServerUnreachable(SeatError):
    """The seat server did not answer (connection refused, timeout, not JSON)."""


def _parse_time(value: Any) -> Optional[datetime]:
    if not isinstance(value, str):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


@dataclass(frozen=True)
class LeaseInfo:
    """A lease as the server showed it last."""

    id: str
    pool_id: str
    pool_name: Optional[str]
    holder: str
    status: str
    checked_out_at: datetime
    expires_at: datetime
    released_at: Optional[datetime]
    borrowed: bool
    overage: bool
    holds_seat: bool

    @classmethod
    def from_json(cls, body: dict[str, Any]) -> LeaseInfo:
        """From the server's lease object."""
        try:
            checked_out = _parse_time(body["checked_out_at"])
            expires = _parse_time(body["expires_at"])
            if checked_out is None or expires is None:
                raise ValueError("times missing")
            return cls(
                id=str(body["id"]),
                pool_id=str(body["pool_id"]),
                pool_name=None if body.get("pool_name") is None else str(body["pool_name"]),
                holder=str(body["holder"]),
                status=str(body["status"]),
                checked_out_at=checked_out,
                expires_at=expires,
                released_at=_parse_time(body.get("released_at")),
                borrowed=bool(body.get("borrowed", False)),
                overage=bool(body.get("overage", False)),
                holds_seat=bool(body.get("holds_seat", False)),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise SeatServerUnreachable("bad_response", f"the server's lease is not a lease: {e}", 0) from None


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuses to follow a redirect: urllib would send the bearer token to
    wherever it points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def _seconds(value: Any, what: str, low: float, high: float) -> float:
    """A number of seconds in [low, high] (not a bool, NaN or infinite)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{what} must be a number of seconds, not {type(value).__name__}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{what} must be between {low:g} and {high:g} seconds, not {value!r}")
    return float(value)


class _Api:
    def __init__(self, server: str, token: str, timeout: float) -> None:
        if not isinstance(server, str):
            raise TypeError("the seat server must be an http(s) URL string")
        parsed = urllib.parse.urlsplit(server)
        if parsed.scheme not in ("http", "https") or not parsed.netloc or parsed.query or parsed.fragment:
            raise ValueError(f"the seat server must be an http(s) URL without a query, not {server!r}")
        if not isinstance(token, str):
            raise TypeError("a seat server token is a str")
        if not token:
            raise ValueError("a seat server token is needed (an instance token of the pool)")
        if any(c.isspace() or not c.isprintable() for c in token):
            raise ValueError("a seat server token has no spaces or control characters")
        self.base = server.rstrip("/") + "/api/v1"
        self.token = token
        self.timeout = _seconds(timeout, "timeout", 0.001, 3600)

    def post(self, path: str, body: Optional[dict[str, Any]] = None, timeout: Optional[float] = None) -> dict[str, Any]:
        request = urllib.request.Request(
            self.base + path,
            data=json.dumps(body if body is not None else {}).encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {self.token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": USER_AGENT,
            },
        )
        try:
            with _OPENER.open(request, timeout=self.timeout if timeout is None else timeout) as response:
                answer = json.load(response)
        except urllib.error.HTTPError as e:
            raise self._refusal(e) from None
        except (OSError, ValueError, RecursionError) as e:  # URLError is an OSError; ValueError: not JSON
            raise SeatServerUnreachable("unreachable", f"the seat server does not answer: {e}", 0) from None
        if not isinstance(answer, dict):
            raise SeatServerUnreachable("bad_response", "the seat server's answer is not a JSON object", 0)
        return answer

    @staticmethod
    def _refusal(e: urllib.error.HTTPError) -> SeatError:
        try:
            error = json.load(e).get("error", {})
        except (ValueError, AttributeError, OSError, RecursionError):
            error = {}
        if not isinstance(error, dict):
            error = {}
        code = str(error.get("code", f"http_{e.code}"))
        message = str(error.get("message", e.reason))
        details = {k: v for k, v in error.items() if k not in ("code", "message")}
        kind = CapacityExceeded if code == "capacity_exceeded" else SeatError
        return kind(code, message, e.code, details)


_LOST = ("unknown_lease", "lease_not_out")


class Lease:
    """A floating seat held while the product runs (a context manager).

    ``ttl_seconds`` asks for a TTL (at most the pool's for an instance
    token); ``heartbeat_every`` fixes the heartbeat interval in seconds
    (default: a third of the time the lease has left, at least 1 s).
    """

    def __init__(
        self,
        server: str,
        token: str,
        *,
        pool: str,
        holder: str,
        ttl_seconds: Optional[int] = None,
        heartbeat_every: Optional[float] = None,
        on_lost: Optional[Callable[[LeaseLost], None]] = None,
        timeout: float = 30.0,
    ) -> None:
        if not isinstance(pool, str) or not isinstance(holder, str):
            raise TypeError("a lease's pool and holder are str")
        if not pool or not holder:
            raise ValueError("a lease needs a pool and a holder")
        if heartbeat_every is not None:
            heartbeat_every = _seconds(heartbeat_every, "heartbeat_every", 0.1, 86_400)
        if ttl_seconds is not None:
            if isinstance(ttl_seconds, bool) or not isinstance(ttl_seconds, int):
                raise TypeError("ttl_seconds must be a whole number of seconds")
            if ttl_seconds <= 0:
                raise ValueError(f"ttl_seconds must be positive, not {ttl_seconds}")
        self._api = _Api(server, token, timeout)
        self.pool = pool
        self.holder = holder
        self.ttl_seconds = ttl_seconds
        self.heartbeat_every = heartbeat_every
        self.on_lost = on_lost
        self.info: Optional[LeaseInfo] = None
        self.lost: Optional[LeaseLost] = None
        self.heartbeats = 0
        self._ttl = 0.0  # seconds, from the server's own times (no local clock compared with the server's)
        self._held_until = 0.0  # time.monotonic() when the lease runs out without another heartbeat
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: Optional[threading.Thread] = None

    # -------------------------------------------------------------- lifecycle

    def open(self) -> LeaseInfo:
        """Checks out the seat and starts the heartbeats (``with`` does this)."""
        if self.info is not None:
            raise RuntimeError("this lease is already open")
        body: dict[str, Any] = {"pool": self.pool, "holder": self.holder}
        if self.ttl_seconds is not None:
            body["ttl_seconds"] = self.ttl_seconds
        self.info = LeaseInfo.from_json(self._api.post("/leases", body))
        self._ttl = max(1.0, (self.info.expires_at - self.info.checked_out_at).total_seconds())
        self._held_until = time.monotonic() + self._ttl
        _open_leases.add(self)
        self._thread = threading.Thread(target=self._beat, name=f"licman-lease-{self.info.id}", daemon=True)
        self._thread.start()
        return self.info

    def close(self) -> None:
        """Stops the heartbeats and releases the seat (once; a lost lease is
        not released). A release the server does not answer leaves the seat
        to run out with its TTL."""
        with self._lock:
            info, thread = self.info, self._thread
            if info is None or self._stop.is_set():
                return
            self._stop.set()
        _open_leases.discard(self)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=self._api.timeout)
        if self.lost is None:
            try:
                self.info = LeaseInfo.from_json(self._api.post(f"/leases/{_quote(info.id)}/release"))
            except SeatServerUnreachable:
                pass  # the seat frees itself when its TTL passes
            except SeatError as e:
                if e.code not in _LOST:
                    raise

    def __enter__(self) -> Lease:
        self.open()
        return self

    def __exit__(
        self, kind: Optional[type[BaseException]], error: Optional[BaseException], trace: Optional[TracebackType]
    ) -> None:
        self.close()

    # ----------------------------------------------------------------- state

    @property
    def id(self) -> str:
        """The lease's id (``RuntimeError`` before :meth:`open`)."""
        if self.info is None:
            raise RuntimeError("the lease is not open")
        return self.info.id

    def check(self) -> None:
        """Raises :class:`LeaseLost` if the seat is no longer held."""
        lost = self.lost
        if lost is not None:
            # A fresh exception each time (one shared object would collect every caller's traceback).
            raise LeaseLost(lost.code, lost.message, lost.http_status, lost.details)

    def heartbeat(self) -> LeaseInfo:
        """Sends one heartbeat now (the background thread does this by itself)."""
        info = self.info
        if info is None:
            raise RuntimeError("the lease is not open")
        sent = time.monotonic()
        # No longer than the lease has left: an answer after that is too late,
        # and the loss is known at once instead of after the whole timeout.
        left = max(0.5, self._held_until - sent)
        try:
            answer = LeaseInfo.from_json(
                self._api.post(f"/leases/{_quote(info.id)}/heartbeat", timeout=min(self._api.timeout, left))
            )
        except SeatError as e:
            if e.code in _LOST and not self._stop.is_set():
                self._lose(LeaseLost(e.code, f"the seat was lost: {e.message}", e.http_status, e.details))
            raise
        if not self._stop.is_set():  # a heartbeat answered after close() changes nothing
            self.info = answer
            self._held_until = sent + self._ttl
        self.heartbeats += 1
        return answer

    def _next_beat(self) -> float:
        if self.heartbeat_every is not None:
            return self.heartbeat_every
        return max(1.0, self._ttl / 3)

    def _beat(self) -> None:
        while not self._stop.wait(self._next_beat()):
            try:
                self.heartbeat()
            except LeaseLost:
                return
            except SeatError as e:
                if self.lost is not None or self._stop.is_set():
                    return
                if time.monotonic() >= self._held_until:
                    self._lose(LeaseLost("lease_expired", f"the lease ran out before a heartbeat got through: {e}", 0))
                    return
                # A busy or unreachable server: try again at the next beat.

    def _lose(self, lost: LeaseLost) -> None:
        with self._lock:
            if self.lost is not None or self._stop.is_set():
                return
            self.lost = lost
        _open_leases.discard(self)
        if self.on_lost is not None:
            self.on_lost(lost)


def _quote(segment: str) -> str:
    return urllib.parse.quote(segment, safe="")


# ------------------------------------------------------------ the store


def _failure(code: str, message: str, http_status: int, details_json: str) -> SeatError:
    """The exception for a failure of the embedded store (called by the native module)."""
    try:
        details = json.loads(details_json)
    except ValueError:
        details = {}
    kind = CapacityExceeded if code == "capacity_exceeded" else SeatError
    return kind(code, message, http_status, details if isinstance(details, dict) else {})


def _option_value(key: str, value: Any) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"{key}: a naive datetime would be a guess; give it a time zone")
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")
    return str(value)


def _flags(options: dict[str, Any]) -> list[str]:
    """``--flag=value`` words (the ``=`` keeps a value that starts with
    ``-`` a value); a trailing ``_`` is dropped (``from_=`` is ``--from``)."""
    args: list[str] = []
    for key, value in options.items():
        flag = "--" + key.rstrip("_").replace("_", "-")
        if value is None or value is False:
            continue
        if value is True:
            args.append(flag)
        elif isinstance(value, (list, tuple, set, frozenset)):
            args += [f"{flag}={_option_value(key, item)}" for item in value]
        else:
            args.append(f"{flag}={_option_value(key, value)}")
    return args


class Store:
    """The seat store of licman-seats, embedded: a SQLite file (created,
    mode 0600, if missing) or a ``postgres://`` URL.

    :meth:`run` runs one ``licman-seats`` command: positional words as
    given, keyword options as ``--flags`` (``max_borrow_days=3`` is
    ``--max-borrow-days 3``, ``True`` a bare flag, a list repeats the flag,
    an aware ``datetime`` its RFC 3339 time). It answers the command's
    ``--json`` result as Python objects; a refusal raises :class:`SeatError`
    (``code``, ``message``, ``http_status``, ``details``), or
    :class:`CapacityExceeded`. ``actor`` is who acts in the audit trail
    (default: the OS user); ``site_key`` the file that seals pool secrets.
    Commands on one store run one at a time; stores in several threads or
    processes on one database take turns on its write lock, exactly as CLI
    processes and servers do. As on the command line, options not given
    fall back to ``LICMAN_SEATS_ACTOR``, ``LICMAN_SEATS_KEY`` and
    ``LICMAN_SEATS_REVOCATIONS`` when they are set.
    """

    def __init__(self, location: str, *, actor: Optional[str] = None, site_key: Optional[str] = None) -> None:
        self._native = _SeatStore(str(location))
        self.actor = actor
        self.site_key = site_key

    @property
    def location(self) -> str:
        """The path or URL the store was opened with."""
        return self._native.location

    def run(self, *command: str, at: Optional[datetime] = None, **options: Any) -> Any:
        """Runs ``licman-seats [--actor A] [--at T] COMMAND… --option value…`` here."""
        globals_: list[str] = []
        if self.actor is not None:
            globals_ += ["--actor", self.actor]
        if self.site_key is not None:
            globals_ += ["--site-key", str(self.site_key)]
        globals_ += _flags({"at": at})
        words = [str(word) for word in command]
        for word in words:
            if word.startswith("-"):
                raise ValueError(f"{word!r}: options go as keyword arguments, and a name may not start with '-'")
        return json.loads(self._native.run(globals_ + words + _flags(options)))

    # The commands a host calls most, by name (each is `run` with its words).

    def pools(self, **options: Any) -> Any:
        """``licman-seats pool list``: a page of pools."""
        return self.run("pool", "list", **options)

    def assign(self, pool: str, user: str, **options: Any) -> Any:
        """``licman-seats assign POOL USER``: the new assignment."""
        return self.run("assign", pool, user, **options)

    def checkout(self, pool: str, holder: str, **options: Any) -> Any:
        """``licman-seats lease checkout POOL HOLDER``: the lease (the same holder's live one)."""
        return self.run("lease", "checkout", pool, holder, **options)

    def analytics(self, **options: Any) -> Any:
        """``licman-seats analytics``: utilization, spend, expirations and recommendations."""
        return self.run("analytics", **options)

    def verify_audit(self) -> Any:
        """``licman-seats audit verify``: the hash chain checked from the first event."""
        return self.run("audit", "verify")

    def __repr__(self) -> str:
        return f"<licman.seats.Store {self.location!r}>"


# Leases open at interpreter exit are released (a process that forgot
# `close` still gives its seat back; one killed outright loses it by TTL).
_open_leases: weakref.WeakSet[Lease] = weakref.WeakSet()


@atexit.register
def _release_open_leases() -> None:
    for lease in list(_open_leases):
        try:
            lease.close()
        except SeatError:
            pass
