"""django-csp's middleware, with frame-ancestors that follow Django's framing decisions.

The site's policy (settings.CONTENT_SECURITY_POLICY) says frame-ancestors 'none',
as X_FRAME_OPTIONS says DENY. A view that Django exempts from X-Frame-Options
(@xframe_options_exempt) and that names no frame-ancestors of its own must not be
left unframeable by the CSP alone: it gets the policy without frame-ancestors,
as it gets no X-Frame-Options. The tab always names its own (tickettab/framing.py).
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts
from django.http import HttpRequest, HttpResponseBase

FRAME_ANCESTORS = "frame-ancestors"


class CSPMiddleware(BaseCSPMiddleware):
    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        replace = dict(parts.replace or {})
        if getattr(response, "xframe_options_exempt", False) and FRAME_ANCESTORS not in replace:
            # None drops the directive (csp.utils.build_policy).
            replace[FRAME_ANCESTORS] = None
            parts.replace = replace
        return parts
