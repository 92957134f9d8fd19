from __future__ import annotations

import factory
from django.contrib.auth.models import User
from django.utils import timezone

from integrations.models import HaloConnection
from mspprocess.core.models import Membership, Tenant
from tickettab.models import Verification

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class StaffFactory(UserFactory):
    is_staff = True


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    tenant = factory.SubFactory(TenantFactory)
    role = Membership.Role.TECHNICIAN


class AdminMembershipFactory(MembershipFactory):
    role = Membership.Role.ADMIN


class ConnectionFactory(factory.django.DjangoModelFactory):
    """A tenant's Halo connection (its tab is made with it: tickettab/services.py);
    credentials point at Halo's address format but nothing answers there unless a
    test sets it up."""

    class Meta:
        model = HaloConnection
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    base_url = "https://acme.halopsa.com"
    client_id = "client-id"
    client_secret = "client-secret-value"
    # As set_credentials does: the console reads "credentials entered" from it.
    secret_changed_at = factory.LazyFunction(timezone.now)


class VerificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Verification

    tenant = factory.SubFactory(TenantFactory)
    halo_user_id = 201
    contact_name = "Jane Doe"
    ticket_id = 1001
    method = Verification.Method.SMS
    status = Verification.Status.VERIFIED
    destination = "+•• •••• •••201"
    agent_name = "Priya Shah"
    completed_at = factory.LazyFunction(timezone.now)
