"""Delivering codes and secure links to a contact, branded with the MSP's name."""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from mspprocess.core.models import Tenant
from mspprocess.errors import ReadableError
from tickettab import phones, sms
from tickettab.context import Contact
from tickettab.models import Verification, VerificationSettings

logger = logging.getLogger(__name__)


class DeliveryError(ReadableError):
    """A code or link could not be delivered; the message says why."""


def secure_link_url(token: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/v/{token}/"


def spaced(code: str) -> str:
    """123456 → "123 456": easier to read out over the phone."""
    return f"{code[:3]} {code[3:]}"


def deliver(
    tenant: Tenant,
    prefs: VerificationSettings,
    verification: Verification,
    contact: Contact,
    secret: str,
) -> None:
    """Send the code or link; raises DeliveryError. Never logs the secret."""
    ctx = {
        "msp": tenant.name,
        "contact_name": contact.first_name or contact.name,
        "minutes": prefs.code_lifetime_minutes,
    }
    method = verification.method
    if method == Verification.Method.SMS:
        body = (
            f"{spaced(secret)} is your {tenant.name} verification code. Read it only to the "
            f"{tenant.name} technician you are speaking with. It expires in "
            f"{prefs.code_lifetime_minutes} minutes."
        )
        _sms(contact, body, verification)
    elif method == Verification.Method.EMAIL:
        ctx["code"] = spaced(secret)
        _email(contact.email, f"Your {tenant.name} verification code", "code", ctx, verification)
    else:
        ctx["link"] = secure_link_url(secret)
        _email(
            contact.email,
            f"{tenant.name}: please confirm it's you contacting support",
            "link",
            ctx,
            verification,
        )
    logger.info(
        "verification %s sent by %s to %s", verification.pk, method, verification.destination
    )


def word_sentence(tenant: Tenant, verification: Verification) -> str:
    """The reverse check's message, as the issue words it (tickettab/reverse_check.py)."""
    return (
        f"Your technician {verification.agent_name} from {tenant.name} is working on ticket "
        f"#{verification.ticket_id}. They will read you the word: {verification.word}"
    )


def deliver_word(
    tenant: Tenant, verification: Verification, contact: Contact, channel: str
) -> None:
    """Send the technician's word to the contact by SMS or email; raises DeliveryError."""
    sentence = word_sentence(tenant, verification)
    if channel == "sms":
        _sms(contact, sentence, verification)
    else:
        ctx = {
            "msp": tenant.name,
            "contact_name": contact.first_name or contact.name,
            "sentence": sentence,
            "technician": verification.agent_name,
            "ticket_id": verification.ticket_id,
            "word": verification.word,
        }
        subject = f"{tenant.name}: the word your technician will read you"
        _email(contact.email, subject, "word", ctx, verification)
    logger.info(
        "reverse check %s sent by %s to %s", verification.pk, channel, verification.destination
    )


def _sms(contact: Contact, body: str, verification: Verification) -> None:
    try:
        # E.164, as every provider wants: never the number as typed into Halo.
        sms.send_sms(contact.sms_number().e164, body)
    except phones.PhoneProblem as e:
        raise DeliveryError(e.message) from None
    except sms.SmsError as e:
        logger.warning("sms to %s failed: %s", verification.destination, e.message)
        raise DeliveryError(f"The SMS was not sent: {e.message}") from None


def _email(to: str, subject: str, template: str, ctx: dict, verification: Verification) -> None:
    text = render_to_string(f"tickettab/email/{template}.txt", ctx)
    html = render_to_string(f"tickettab/email/{template}.html", ctx)
    message = EmailMultiAlternatives(subject, text, to=[to])
    message.attach_alternative(html, "text/html")
    try:
        message.send()
    except (TimeoutError, smtplib.SMTPException, OSError) as e:
        logger.warning("email to %s failed: %s", verification.destination, type(e).__name__)
        raise DeliveryError(
            "The email was not sent: our mail service did not accept it. Try again shortly "
            "or send a code by SMS."
        ) from None
