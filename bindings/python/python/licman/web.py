"""What the web framework adapters share: a :class:`Guard` that decides one request.

The adapters (:mod:`licman.fastapi`, :mod:`licman.django`,
:mod:`licman.flask`) only fetch the request's path and its user from their
framework and turn a :class:`~licman.Denial` into that framework's response.
The decision itself is the core's route check: the path the framework
routes on, the license, and the user's groups.

>>> import licman, licman.web                                     # doctest: +SKIP
>>> guard = licman.web.Guard.verify(catalog, ring, license_text,  # doctest: +SKIP
...     groups={"ops": ["devices", "scheduled_audits"]})
>>> guard.authorize("/devices/7", licman.web.Identity(groups=("ops",)))  # doctest: +SKIP
'devices'

Who the user is must come from the application's own authentication (a
session, a verified token), never from a header the client sends.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional, Union

from ._errors import Denial, InvalidLicense, UnknownName
from ._native import Catalog, GroupAccess, KeyRing, License, RouteTable

__all__ = ["Guard", "Identity", "denial_response", "path_as_sent"]


def path_as_sent(decoded_path: str) -> str:
    """A decoded request path (what Starlette, Django and Werkzeug route on)
    escaped again, for the check: the core reads a path as it is sent, so
    a ``?``, ``#``, ``;``, ``%`` or non-ASCII character that was escaped in
    the request must reach it escaped (it refuses such escapes with 400)
    rather than raw (where ``/%3Fx``, decoded to ``/?x``, would be read as
    ``/``). Characters a path may carry raw stay as they are."""
    return urllib.parse.quote(decoded_path, safe="/!$&'()*+,=:@")


@dataclass(frozen=True)
class Identity:
    """The signed-in user, as the application's authentication knows them."""

    groups: tuple[str, ...] = ()
    """The user's groups (names of the guard's group table)."""
    superuser: bool = False
    """A superuser may use every licensed module, whatever their groups."""


class Guard:
    """The license check of a web application.

    ``license`` is the verified license, the error its verification raised
    (every licensed path then answers with that error's 402), or ``None``
    (no license: ``no_license``, 402). Public paths pass in every case.

    ``groups`` is the application's group table (group → the modules it
    may use). With it, a request without an :class:`Identity` has no groups
    and reaches no module (deny by default); a module the table names but
    the license does not grant is left out of the group, since a user's
    modules are licensed ∩ granted. An identity's groups that the table does
    not define grant nothing and are left out (a user's directory groups
    need not all be in it). Without a table, only the license is checked.
    """

    def __init__(
        self,
        catalog: Catalog,
        license: Union[License, InvalidLicense, None],
        *,
        groups: Optional[Mapping[str, Iterable[str]]] = None,
        routes: Optional[RouteTable] = None,
    ) -> None:
        self.catalog = catalog
        self.routes = routes if routes is not None else RouteTable(catalog)
        # A group table of its own: another Guard of the same license, or
        # the application's own GroupAccess, cannot change this one's.
        self.license: Optional[License] = (
            (license.with_own_groups() if groups is not None else license) if isinstance(license, License) else None
        )
        self.license_error: Optional[InvalidLicense] = license if isinstance(license, InvalidLicense) else None
        self.checks_groups = groups is not None
        self.group_names = frozenset(groups) if groups is not None else frozenset()
        if groups is not None and self.license is not None:
            access = GroupAccess(self.license)
            known = set(catalog.modules)
            licensed = self.license.modules
            for group, modules in groups.items():
                wanted = [modules] if isinstance(modules, str) else list(modules)
                for module in wanted:
                    if module not in known:
                        raise UnknownName("module", module)
                access.set_group(group, sorted(set(wanted) & licensed))

    @classmethod
    def verify(
        cls,
        catalog: Catalog,
        ring: KeyRing,
        license: Union[str, bytes, None],
        *,
        groups: Optional[Mapping[str, Iterable[str]]] = None,
        routes: Optional[RouteTable] = None,
        **verify_options: Any,
    ) -> Guard:
        """Verifies ``license`` (``KeyRing.verify``'s options pass through) and
        guards with it; a license that does not verify makes every licensed
        path answer with its error (402), public paths stay open."""
        verified: Union[License, InvalidLicense, None] = None
        if license is not None:
            try:
                verified = ring.verify(license, catalog, **verify_options)
            except InvalidLicense as e:
                verified = e
        return cls(catalog, verified, groups=groups, routes=routes)

    def authorize(self, path: str, identity: Optional[Identity] = None, *, now: Optional[datetime] = None) -> str:
        """What ``path`` needs if the request may go on (``public``,
        ``licensed`` or the module's name); else raises the
        :class:`~licman.Denial` (402, 403 or 400) to answer with."""
        if identity is not None and (
            isinstance(identity, (dict, str)) or not hasattr(identity, "groups") or not hasattr(identity, "superuser")
        ):
            raise TypeError(
                f"identity must be a licman.web.Identity (groups, superuser) or None, not {type(identity).__name__}"
            )
        error = self.license_error
        if self.license is None and error is not None and self.routes.target(path) != "public":
            # A fresh exception each time: one shared object would collect every request's traceback.
            raise type(error)(error.code, error.message, error.http_status, error.action, error.body_json)
        groups: Optional[list[str]] = None
        superuser = False
        if self.checks_groups:
            # [] and never None for an anonymous request: None skips the user check.
            groups = [g for g in identity.groups if g in self.group_names] if identity is not None else []
            superuser = identity is not None and identity.superuser
        return self.routes.authorize(path, self.license, groups, superuser=superuser, now=now)


def denial_response(denial: Denial) -> tuple[int, dict[str, Any]]:
    """The HTTP status and JSON body to answer a denial with."""
    return denial.http_status, denial.body
