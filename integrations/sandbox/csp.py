"""The two places where the sandbox's pages need more than the site's CSP.

Halo frames the custom tabs its admins configure, wherever they point: the sandbox's
ticket page does the same, so its frame-src names our tab's origin (PUBLIC_BASE_URL,
another site than the sandbox's pages in the browser tests) and each iframe's own.
The devices page shows HTML mail as a mail client would, in a sandboxed srcdoc
iframe, which inherits this page's policy: mail carries its styles inline.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from csp.constants import SELF, UNSAFE_INLINE
from django.conf import settings
from django.http import HttpResponse


def _origin(url: str) -> str | None:
    split = urlsplit(url)
    if split.scheme not in ("http", "https") or not split.netloc:
        return None  # relative, about:blank and the like: 'self' or nothing to allow
    return f"{split.scheme}://{split.netloc}"


def allow_frames(response: HttpResponse, srcs: Iterable[str]) -> HttpResponse:
    # Read per request, not at start-up: tests move PUBLIC_BASE_URL.
    origins = [SELF, _origin(settings.PUBLIC_BASE_URL), *(_origin(src) for src in srcs)]
    # django-csp adds _csp_update to the site's policy; frame-src is not in it
    # (default-src covers it), so 'self' is named again here.
    response._csp_update = {"frame-src": [o for o in origins if o]}  # type: ignore[attr-defined]
    return response


def allow_mail_styles(response: HttpResponse) -> HttpResponse:
    # Style attributes only (style-src-attr), not <style> or scripts: the only HTML in
    # those frames is our own mail templates, which escape what they are given.
    response._csp_update = {"style-src-attr": [UNSAFE_INLINE]}  # type: ignore[attr-defined]
    return response
