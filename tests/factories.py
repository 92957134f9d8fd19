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


# -- identity providers (issue 15) ------------------------------------------------------


class IdentityProviderFactory(factory.django.DjangoModelFactory):
    """A workspace's Duo (unless `kind="okta"` and Okta fields are given); the keys
    are Duo's documented format, but nothing answers at the address unless a test
    sets it up."""

    class Meta:
        model = "identity.IdentityProvider"

    tenant = factory.SubFactory(TenantFactory)
    kind = "duo"
    name = factory.Sequence(lambda n: f"Client {n}'s Duo")
    duo_integration_key = "DIABCDEFGHIJKLMNOPQR"
    duo_secret_key = "stored-duo-secret-key-do-not-show-0001"
    duo_api_host = "api-1a2b3c4d.duosecurity.com"


class OktaProviderFactory(IdentityProviderFactory):
    kind = "okta"
    name = factory.Sequence(lambda n: f"Client {n}'s Okta")
    duo_integration_key = ""
    duo_secret_key = ""
    duo_api_host = ""
    okta_org_url = "https://client.okta.com"
    okta_api_token = "00stored-okta-token-do-not-show-000001"


class ProviderClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "identity.ProviderClient"

    provider = factory.SubFactory(IdentityProviderFactory)
    tenant = factory.SelfAttribute("provider.tenant")
    halo_client_id = factory.Sequence(lambda n: 1000 + n)
    halo_client_name = factory.Sequence(lambda n: f"Halo client {n}")


class AlertSettingsFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.AlertSettings"
        django_get_or_create = ("tenant",)

    tenant = factory.SubFactory(TenantFactory)
    security_contacts = factory.LazyFunction(lambda: ["security@acme-it.example"])


class AlertFactory(factory.django.DjangoModelFactory):
    """An alert as a denied secure link raises it (alerts/triggers.py)."""

    class Meta:
        model = "alerts.Alert"

    tenant = factory.SubFactory(TenantFactory)
    kind = "denial"
    halo_user_id = 201
    contact_name = "Jane Doe"
    client_name = "Kestrel Logistics"
    ticket_id = 1001
    technician = "Priya Shah"
    method = Verification.Method.LINK
    destination = "j•••••••@e••••••.com"
    happened_at = factory.LazyFunction(timezone.now)


class AlertDeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "alerts.AlertDelivery"

    alert = factory.SubFactory(AlertFactory)
    tenant = factory.SelfAttribute("alert.tenant")
    channel = "email"
