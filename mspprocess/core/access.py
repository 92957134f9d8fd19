"""Resolving /t/<slug>/… to a tenant the signed-in user may act in.

Non-members get 404, exactly like a slug that does not exist, so that nobody can
probe which tenants we have. Members without the needed role get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from mspprocess.core.models import Membership, Tenant
from mspprocess.core.staff_auth import needs_second_factor, redirect_to_second_factor

View = Callable[..., HttpResponse]


def get_membership(user: Any, slug: str) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("tenant").filter(user=user, tenant__slug=slug).first()


def tenant_view(
    role: str | None = None, *, staff_permission: str | None = None
) -> Callable[[View], View]:
    """Decorate a view taking (request, slug, …); it receives (request, tenant, …).

    `request.membership` holds the membership. `role` (Membership.Role.ADMIN)
    restricts the view to that role; None allows any member. `staff_permission`
    (e.g. "mspprocess.change_tenant") also lets staff holding that permission in,
    with `request.membership` None: account managers run onboarding sessions.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = get_membership(request.user, slug)
            if membership is None:
                user = request.user
                if staff_permission and user.is_staff and user.has_perm(staff_permission):
                    # Staff reach customers' credentials here: the same second factor
                    # as the admin applies.
                    if needs_second_factor(request):
                        return redirect_to_second_factor(request)
                    tenant = Tenant.objects.filter(slug=slug).first()
                    if tenant is not None:
                        request.membership = None  # type: ignore[attr-defined]
                        return view(request, tenant, *args, **kwargs)
                raise Http404("No such workspace.")
            if role is not None and membership.role != role:
                raise PermissionDenied("Your role in this workspace does not allow this page.")
            request.membership = membership  # type: ignore[attr-defined]
            return view(request, membership.tenant, *args, **kwargs)

        return wrapper

    return decorator
