"""The Identity providers pages' forms: a Duo or an Okta connection, and the picked
Halo clients. Every value is parsed here; secrets are write-only (never rendered
back, left blank to keep the stored one)."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.http import QueryDict

from identity import addresses
from identity.models import MATCH_FIELD_HELP, IdentityProvider
from mspprocess.parsing import (
    INT32_MAX,
    has_control_characters,
    parse_id,
    reject_control_characters,
)

STORED_HELP = "Stored — leave empty to keep it, or paste a new one to replace it."
# A Halo field's key or a custom field's name: letters, digits and underscores.
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}", re.ASCII)
# Duo's integration keys are 20 letters and digits ("DI…"); Okta's tokens ~42 characters.
_DUO_IKEY = re.compile(r"[A-Za-z0-9]{20}", re.ASCII)
_TOKEN = re.compile(r"[\x21-\x7e]+", re.ASCII)  # printable ASCII, no spaces
# Each picked client is a field (a new one two): Django takes 1000 fields a request.
MAX_PICKED = 500
MAX_SEARCH = 100


def _write_only_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        max_length=500,
        required=False,
        strip=True,
        validators=[reject_control_characters],
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
    )


class ProviderForm(forms.Form):
    """What both kinds have: a name technicians see and how the caller is found."""

    kind: IdentityProvider.Kind
    # The secret of the kind (the key or the token): write-only.
    write_only_field: str
    write_only_help: str
    write_only_missing: str
    name_example: str

    name = forms.CharField(
        label="Name",
        max_length=100,
        validators=[reject_control_characters],
    )
    match_field = forms.CharField(
        label="Halo field with the sign-in name",
        max_length=100,
        required=False,
        validators=[reject_control_characters],
        help_text=MATCH_FIELD_HELP,
    )

    def __init__(
        self,
        *args: Any,
        tenant: Any,
        provider: IdentityProvider | None = None,
        **kwargs: Any,
    ) -> None:
        if provider is not None:
            kwargs.setdefault("initial", _initial(provider, self.field_names()))
        super().__init__(*args, **kwargs)
        self.tenant = tenant
        self.provider = provider
        self.secret_stored = provider is not None and provider.has_secret
        self.fields[self.write_only_field].help_text = (
            STORED_HELP if self.secret_stored else self.write_only_help
        )
        self.fields[
            "name"
        ].help_text = f"What your technicians see in the tab, e.g. “{self.name_example}”."

    @classmethod
    def field_names(cls) -> list[str]:
        return list(cls.base_fields)

    def clean_name(self) -> str:
        name = " ".join(self.cleaned_data["name"].split())
        others = IdentityProvider.objects.filter(tenant=self.tenant, name__iexact=name)
        if self.provider is not None:
            others = others.exclude(pk=self.provider.pk)
        if others.exists():
            raise forms.ValidationError(
                f"Another identity provider is called “{name}”. Choose another name: "
                "technicians tell them apart by it."
            )
        return name

    def clean_match_field(self) -> str:
        value = self.cleaned_data["match_field"].strip()
        if value and not _FIELD_NAME.fullmatch(value):
            raise forms.ValidationError(
                "Enter the field's name as Halo spells it, in letters, digits and "
                "underscores (for example CFUPN), or leave it empty to use the email address."
            )
        return value

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        field = self.write_only_field
        if field in cleaned and not cleaned[field] and not self.secret_stored:
            self.add_error(field, self.write_only_missing)
        return cleaned


class DuoForm(ProviderForm):
    kind = IdentityProvider.Kind.DUO
    name_example = "Kestrel's Duo"
    write_only_field = "duo_secret_key"
    write_only_help = (
        "On the same page, under Details: click to reveal the secret key, then copy it. "
        "Keep it like a password."
    )
    write_only_missing = (
        "Paste the secret key of your Auth API application (Duo Admin Panel → Applications "
        "→ your Auth API application → Details)."
    )

    duo_integration_key = forms.CharField(
        label="Integration key",
        max_length=40,
        validators=[reject_control_characters],
        help_text="In Duo's Admin Panel: Applications → Protect an Application → Auth API "
        "(or your existing Auth API application) → Details. It starts with DI.",
    )
    duo_secret_key = _write_only_field("Secret key")
    duo_api_host = forms.CharField(
        label="API hostname",
        max_length=255,
        validators=[reject_control_characters],
        help_text=f"Also under Details, e.g. <code>{addresses.DUO_EXAMPLE}</code>.",
    )
    field_order = ["name", "duo_integration_key", "duo_secret_key", "duo_api_host", "match_field"]

    def clean_duo_integration_key(self) -> str:
        value = self.cleaned_data["duo_integration_key"].strip()
        if not _DUO_IKEY.fullmatch(value):
            raise forms.ValidationError(
                "An integration key is 20 letters and digits and starts with DI. Copy it again "
                "from the Details of your Auth API application in Duo's Admin Panel."
            )
        return value.upper()

    def clean_duo_secret_key(self) -> str:
        return _token(self.cleaned_data["duo_secret_key"], "secret key")

    def clean_duo_api_host(self) -> str:
        try:
            return addresses.normalize_duo_host(self.cleaned_data["duo_api_host"])
        except addresses.AddressError as e:
            raise forms.ValidationError(e.message) from None


class OktaForm(ProviderForm):
    kind = IdentityProvider.Kind.OKTA
    name_example = "Oakfield's Okta"
    write_only_field = "okta_api_token"
    write_only_help = (
        "In Okta's Admin Console: Security → API → Tokens → Create token. Okta shows it "
        "once. The token can do what the admin who creates it may do."
    )
    write_only_missing = (
        "Paste an API token from Okta's Admin Console (Security → API → Tokens → Create token)."
    )

    okta_org_url = forms.CharField(
        label="Okta org URL",
        max_length=255,
        validators=[reject_control_characters],
        help_text="The address your people sign in to Okta at, shown under your name at the "
        f"top right of the Admin Console, e.g. <code>{addresses.OKTA_EXAMPLE}</code>.",
    )
    okta_api_token = _write_only_field("API token")
    field_order = ["name", "okta_org_url", "okta_api_token", "match_field"]

    def clean_okta_org_url(self) -> str:
        try:
            return addresses.normalize_okta_url(self.cleaned_data["okta_org_url"])
        except addresses.AddressError as e:
            raise forms.ValidationError(e.message) from None

    def clean_okta_api_token(self) -> str:
        return _token(self.cleaned_data["okta_api_token"], "API token")


FORMS: dict[str, type[ProviderForm]] = {
    IdentityProvider.Kind.DUO: DuoForm,
    IdentityProvider.Kind.OKTA: OktaForm,
}


def _initial(provider: IdentityProvider, names: list[str]) -> dict[str, Any]:
    # Never the secret: it is not rendered back, whatever the widget.
    return {n: getattr(provider, n) for n in names if n not in ("duo_secret_key", "okta_api_token")}


def _token(value: str, what: str) -> str:
    if value and not _TOKEN.fullmatch(value):
        raise forms.ValidationError(
            f"A {what} has no spaces and no accented or special characters. Copy it again."
        )
    return value


# -- the clients page -------------------------------------------------------------------


class ClientSearchForm(forms.Form):
    """The search box over Halo's client list (a GET: nothing is saved)."""

    q = forms.CharField(
        label="Search Halo's clients",
        max_length=MAX_SEARCH,
        required=False,
        validators=[reject_control_characters],
    )

    def clean_q(self) -> str:
        return " ".join(self.cleaned_data["q"].split())


class PickedClientsForm:
    """The ticked clients of the clients page: `client` ids, each with its name as Halo
    showed it in a `name_<id>` field. Ids already mapped need no name."""

    def __init__(self, data: QueryDict, known: dict[int, str]) -> None:
        self.data = data
        self.known = known
        self.errors: list[str] = []
        self.picked: dict[int, str] = {}

    def is_valid(self) -> bool:
        raw_ids = self.data.getlist("client")
        if len(raw_ids) > MAX_PICKED:
            self.errors.append(f"Pick at most {MAX_PICKED} clients for one provider.")
            return False
        for raw in raw_ids:
            ident = parse_id(raw)
            if ident is None or ident > INT32_MAX:
                self.errors.append("One of the picked clients is not a Halo client. Search again.")
                return False
            name = self.known.get(ident) or self._name(ident)
            if not name:
                self.errors.append(
                    "Pick clients from the search results: one came without its name."
                )
                return False
            self.picked[ident] = name
        return True

    def _name(self, ident: int) -> str:
        name = " ".join(str(self.data.get(f"name_{ident}", "")).split())
        if not name or has_control_characters(name):
            return ""
        return name[:199] + "…" if len(name) > 200 else name
