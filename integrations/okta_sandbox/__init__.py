"""The Okta sandbox: a local stand-in for an Okta org's Users and Factors API.

Mounted at /sandbox/okta/ when HALO_SANDBOX is on, like the Halo sandbox, so the
demo, the tests and the benchmarks can verify a caller with Okta Verify without an
Okta org. It follows Okta's Management API (the okta-management OpenAPI spec and
developer.okta.com) where that says something:

Modelled
- `Authorization: SSWS <API token>`: a missing, malformed or unknown token is 401
  E0000011 "Invalid token provided". Tokens are stored as SHA-256 digests.
- Okta's error object (errorCode, errorSummary, errorLink, errorId, errorCauses)
  for every API error: E0000001, E0000003 (malformed JSON), E0000007 (404, unknown
  routes too), E0000022 (405), E0000031 (bad search), E0000047 (429); and the
  `X-Rate-Limit-Limit/-Remaining/-Reset` headers on every API reply (ratelimit.py).
- Users: GET users/{id | login | login shortname}; GET users?search= (one
  comparison on profile.email, profile.login, names, id or status, joined by `or`),
  `filter=` alike and `q=`. Statuses ACTIVE and LOCKED_OUT.
- Factors: list and get (push, sms, call, token:software:totp; provider OKTA;
  ACTIVE or PENDING_ACTIVATION; Okta's per-type profile); verify a push: 201
  `factorResult: WAITING` with `expiresAt`, `_links.poll` and `_links.cancel`, and
  with `{"useNumberMatchingChallenge": true}` `_embedded.challenge.correctAnswer`;
  poll the transaction: WAITING, SUCCESS, REJECTED, TIMEOUT in Okta's shapes;
  `tokenLifetimeSeconds` (1-86400, default 300) as the push's lifetime.
  sms/call verify without a body answers 200 `factorResult: CHALLENGE`.
- Okta Verify itself: the devices page (devices.py) where the person approves,
  denies or picks a number (a wrong number is a rejection); the first answer wins;
  an expired push stays TIMEOUT.

Unconfirmed (the sandbox's choice, to revisit against a real org)
- What verify answers for a LOCKED_OUT user: here 403 E0000069 "User Locked".
- What verify answers for a factor PENDING_ACTIVATION: here 400 E0000001.
- Number matching asked of an enrollment that cannot do it: here a standard push.
- DELETE of a transaction (the `cancel` link): here 204, then the transaction is
  gone (404). Okta's spec lists only GET on that path.
- The wording of E0000007 summaries for factors and transactions; the status of
  E0000022 before or after authentication (here after: no token, 401 first).
- Rate-limit ceilings (one ceiling, OKTA_SANDBOX_RATE_LIMIT, for every endpoint).
- Passcodes: no codes are delivered, so every passCode is 403 E0000068.

Not modelled: enrolment and activation, other factor types, pagination (`limit`,
`after`, Link headers), `expand`, OAuth 2.0 service-app tokens, Okta's
`User-Agent` requirement for push (recorded and shown, not enforced).
"""
