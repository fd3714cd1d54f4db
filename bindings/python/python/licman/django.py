"""Django: a middleware answering a refused request with its 402/403 JSON.

In ``settings.py``::

    MIDDLEWARE = [
        ...,
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "licman.django.LicenseMiddleware",   # after authentication
        ...,
    ]
    LICMAN_GUARD = "myproject.licensing.guard"        # a licman.web.Guard, or a function returning one
    LICMAN_IDENTITY = "myproject.licensing.identity"  # request -> licman.web.Identity | None (optional)

``LICMAN_IDENTITY`` typically maps ``request.user`` (set by Django's
authentication) to its groups::

    def identity(request):
        user = request.user
        if not user.is_authenticated:
            return None
        return Identity(groups=tuple(user.groups.values_list("name", flat=True)), superuser=user.is_superuser)

The path checked is ``request.path_info``: the path Django's URL resolver
matches (without ``SCRIPT_NAME``), escaped again as it was sent.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, cast

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.module_loading import import_string

from ._errors import Denial
from .web import Guard, Identity, path_as_sent

__all__ = ["LicenseMiddleware", "denial_response"]

IdentityOfRequest = Callable[[HttpRequest], Optional[Identity]]


def denial_response(denial: Denial) -> JsonResponse:
    """The response for a :class:`~licman.Denial`: its status and body."""
    return JsonResponse(denial.body, status=denial.http_status)


def _setting(name: str) -> Any:
    value = getattr(settings, name, None)
    return import_string(value) if isinstance(value, str) else value


class LicenseMiddleware:
    """Checks every request against the guard of ``settings.LICMAN_GUARD``.

    A subclass may pass ``guard`` and ``identity`` instead of settings.
    """

    def __init__(
        self,
        get_response: Callable[[HttpRequest], HttpResponse],
        guard: Optional[Guard] = None,
        identity: Optional[IdentityOfRequest] = None,
    ) -> None:
        self.get_response = get_response
        if guard is None:
            configured = _setting("LICMAN_GUARD")
            guard = configured() if callable(configured) and not isinstance(configured, Guard) else configured
        if not isinstance(guard, Guard):
            raise ImproperlyConfigured("LICMAN_GUARD must name a licman.web.Guard or a function returning one")
        self.guard = guard
        self.identity = identity if identity is not None else cast(Optional[IdentityOfRequest], _setting("LICMAN_IDENTITY"))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = self.identity(request) if self.identity is not None else None
        try:
            self.guard.authorize(path_as_sent(request.path_info), user)
        except Denial as denial:
            return denial_response(denial)
        return self.get_response(request)
