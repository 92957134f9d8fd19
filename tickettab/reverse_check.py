"""The reverse check: the technician proves who they are to the caller.

The contact gets, at their details in Halo (never at details the caller gives),
"Your technician … from … is working on ticket #…. They will read you the word: …",
and the tab shows the word for the technician to read out. A caller who hears the
right word knows the call is genuine. It proves nothing about the caller: it is
recorded in the history and a note, and never turns the shield green.
"""

from __future__ import annotations

import secrets

from django.db import transaction
from django.utils import timezone

from mspprocess.core.models import Tenant
from tickettab import delivery, phones, signals
from tickettab.context import Contact
from tickettab.models import Verification, VerificationSettings
from tickettab.tabauth import TabIdentity
from tickettab.verification import VerificationError, mark_send_failed, start

CHANNELS = ("sms", "email")

# Short, common, unmistakable when read aloud over a phone line (no homophones such
# as "sea"/"see", nothing that could offend). 128 words: a guess is right 1 in 128,
# and the caller only ever hears one word per check.
_WORD_LIST = (
    "acorn anchor apple arrow badge bamboo banjo barley basket beacon biscuit blanket "
    "blossom bonfire bramble bucket button cactus camel candle canoe canyon carpet "
    "castle cherry chimney cobalt compass copper cotton crayon cricket crystal dolphin "
    "domino dragon falcon feather ferry fiddle forest fossil fountain garden giraffe "
    "glacier goblet granite harbour harvest hazel helmet hickory honey island ivory "
    "jacket jasmine jigsaw kettle kitten ladder lantern lemon lobster magnet "
    "mango maple marble meadow melon mitten monkey mosaic muffin nutmeg oasis octopus "
    "olive orange orchard otter paddle panda parrot peanut pebble pepper pillow pirate "
    "planet pocket popcorn pumpkin puzzle quartz rabbit radish rainbow raven ribbon "
    "rocket saddle salmon sapphire scooter shovel silver squirrel summit sunflower "
    "teapot thimble thunder tiger timber tomato tractor trumpet tulip turtle velvet "
    "violin volcano walnut willow window zebra"
)
WORDS = tuple(_WORD_LIST.split())


def new_word() -> str:
    return secrets.choice(WORDS)


def send_word(
    tenant: Tenant, contact: Contact, ticket_id: int, who: TabIdentity, channel: str
) -> Verification:
    """Send the technician's word to the contact by SMS or email; the tab shows it."""
    if channel == "sms":
        try:
            destination = contact.sms_number().masked
        except phones.PhoneProblem as e:
            raise VerificationError(e.message) from None
    elif contact.email:
        destination = contact.masked_email
    else:
        raise VerificationError(
            "This contact has no email address in Halo. Send the word by SMS, or add the "
            "address to the contact in Halo."
        )
    prefs = VerificationSettings.for_tenant(tenant)
    word = new_word()
    verification = start(
        tenant,
        prefs,
        contact,
        ticket_id,
        who,
        Verification.Method.REVERSE,
        # Never pending: nothing is awaited from the caller, and a pending code of
        # theirs stays usable (this is no newer attempt to verify them).
        status=Verification.Status.SENT,
        destination=destination,
        word=word,
    )
    try:
        delivery.deliver_word(tenant, verification, contact, channel)
    except delivery.DeliveryError as e:
        raise mark_send_failed(verification, e.message) from None
    verification.tenant = tenant  # the note reads the tenant's settings
    with transaction.atomic():
        verification.completed_at = timezone.now()
        verification.save(update_fields=["completed_at"])
        signals.finished(verification)
    return verification
