"""The Halo sandbox: a local stand-in for a HaloPSA instance (only when HALO_SANDBOX).

models.py       its state (all in the database, so every worker shares it)
seed.py         the seeded clients, users, agents, ticket types and tickets
services.py     the Python API for tests, the demo and benchmarks
tokens.py       access tokens (stored hashed)
endpoint.py     what every request goes through: seeding, rate limit, faults, log, auth
ratelimit.py    Halo-hosted's 300 requests per rolling 5 minutes, counted in the cache
faults.py       fault injection
replies.py      Halo's reply and error shapes (includedetails, HTML error pages)
routes.py       case-insensitive API routes with an optional trailing slash
views/auth.py   POST auth/token, hosted-auth/token (?tenant=), GET api/authinfo
views/api.py    the api/ resources
views/api_tabs.py api/Tabs (custom tabs through the API, admin agents only)
schema.py       checks against halo_schema.json (built by extract_schema.py)

Halo's web app, for people and browser tests (templates/sandbox/, static/sandbox/):
views/pages.py  tickets/ (list), tickets/<id>/ (with our custom tab), config/customtabs/
customtab.py    how Halo builds the tab's iframe address ($FAULTID, agent_id, hmac)
forms.py        the custom tab form (secret write-only)
devices.py      SMS and email backends that deliver into the sandbox
inbox.py        whom a message was for, and the code in it
views/devices.py devices/: every delivered message, where demo users read codes
"""
