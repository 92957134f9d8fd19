"""Sending SMS: a console backend for development and Twilio over its REST API.

`SMS_BACKEND` names the class. A backend's `send(to, body)` returns the provider's
message id and raises a ReadableError (SmsError here) with a message a technician
can act on; a backend outside this module (the sandbox's) need not import this one.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from functools import lru_cache

import requests
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

import mspprocess
from mspprocess.errors import ReadableError
from mspprocess.logging import redact

logger = logging.getLogger(__name__)

# E.164: a plus, a country code and at most 15 digits in all (tickettab.phones makes it).
E164 = re.compile(r"\+[1-9][0-9]{6,14}")


class SmsError(ReadableError):
    """The SMS provider refused or could not be reached; the message says what to do."""


class ConsoleBackend:
    """Writes each SMS to stdout (development): nothing leaves the machine."""

    def send(self, to: str, body: str) -> str:
        sys.stdout.write(f"--- SMS to {to} ---\n{body}\n---\n")
        sys.stdout.flush()
        return "console"


class TwilioBackend:
    """Twilio's Messages API. Needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and
    TWILIO_FROM (a number or a messaging service SID) in the environment."""

    api = "https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json"
    timeout = (5, 15)

    def __init__(self) -> None:
        self.sid = os.environ.get("TWILIO_ACCOUNT_SID", "")
        self.token = os.environ.get("TWILIO_AUTH_TOKEN", "")
        self.sender = os.environ.get("TWILIO_FROM", "")
        missing = [
            name
            for name, value in (
                ("TWILIO_ACCOUNT_SID", self.sid),
                ("TWILIO_AUTH_TOKEN", self.token),
                ("TWILIO_FROM", self.sender),
            )
            if not value
        ]
        if missing:
            raise ImproperlyConfigured(
                f"SMS_BACKEND is Twilio but {', '.join(missing)} is not set."
            )

    def send(self, to: str, body: str) -> str:
        data = {"To": to, "Body": body}
        data["MessagingServiceSid" if self.sender.startswith("MG") else "From"] = self.sender
        try:
            response = requests.post(
                self.api.format(sid=self.sid),
                data=data,
                auth=(self.sid, self.token),
                timeout=self.timeout,
                headers={"User-Agent": f"MSPProcess/{mspprocess.__version__}"},
            )
        except requests.RequestException as e:
            logger.warning("twilio unreachable: %s", type(e).__name__)
            raise SmsError("The SMS provider could not be reached. Try again shortly.") from None

        if response.status_code in (200, 201):
            try:
                return str(response.json()["sid"])
            except (ValueError, KeyError):
                raise SmsError("The SMS provider gave an unexpected reply.") from None
        raise SmsError(self._message_for(response))

    def _message_for(self, response: requests.Response) -> str:
        try:
            error = response.json()
        except ValueError:
            error = {}
        code = error.get("code")
        logger.warning(
            "twilio refused a message: status=%s code=%s %s",
            response.status_code,
            code,
            redact(str(error.get("message", "")))[:200],
        )
        if response.status_code == 401 or code == 20003:
            return "The SMS provider rejected our credentials. Tell your MSP Process contact."
        if response.status_code == 429 or code == 20429:
            return "The SMS provider is limiting how fast we send. Wait a minute and try again."
        if code in (21211, 21614, 21217):
            return "The mobile number in Halo is not a valid mobile number. Check it in Halo."
        if code in (21408, 21612):
            return "SMS cannot be sent to this number's country or network. Use email instead."
        if code == 21610:
            return "This number has opted out of SMS from us. Use email instead."
        if response.status_code >= 500:
            return "The SMS provider is having problems. Try again shortly or use email."
        return "The SMS provider refused the message. Try again, or use email instead."


@lru_cache(maxsize=1)
def _backend_for(path: str) -> object:
    return import_string(path)()


def get_backend() -> ConsoleBackend | TwilioBackend:
    return _backend_for(settings.SMS_BACKEND)  # type: ignore[return-value]


def send_sms(to: str, body: str) -> str:
    """Send to an E.164 number. Anything else is refused before any provider sees it:
    a number as typed into Halo can be read wrongly by a provider, or not at all."""
    if not E164.fullmatch(to):
        raise SmsError("The mobile number is not in international form. Refresh and try again.")
    try:
        return get_backend().send(to, body)
    except SmsError:
        raise
    except ReadableError as e:
        raise SmsError(e.message) from e
