"""The Duo sandbox: a local stand-in for Duo's Auth API v2 (/sandbox/duo/).

Modelled, from Duo's Auth API reference and duo_client 5.7's source:
- GET /auth/v2/ping (unsigned), GET /auth/v2/check, POST /auth/v2/preauth
  (result auth / allow / deny / enroll, status_msg, devices with capabilities),
  POST /auth/v2/auth (factor push or auto, device auto or an id, async=1 → txid;
  pushinfo under 20,000 bytes, type, display_username), GET /auth/v2/auth_status
  (result waiting / allow / deny; status pushed / allow / deny / timeout).
- Duo's envelope: {"stat": "OK", "response": …} or {"stat": "FAIL", "code": 40xxx,
  "message": …, "message_detail": …} with the HTTP status of the code's first three
  digits; 40101/40102/40103 for missing credentials / unknown integration key /
  bad signature, 40001/40002 for missing / invalid parameters.
- Signatures (signing.py): HTTP Basic ikey:HMAC over the canonical request, v2
  (SHA-1 or SHA-512), v4 and v5 (body hash, X-Duo-* headers), with Date or
  X-Duo-Date; the signed path is the path below the mount.
- Pushes time out after 60 s (a setting, and services.set_push_timeout); the first
  answer wins; an answer after the timeout changes nothing.
- A devices page (/sandbox/duo/devices/) where the fictional user approves or denies.

Unconfirmed or simplified (where the sandbox and Duo disagree, the sandbox is wrong):
- how far a request's date may be off (5 minutes here) and the code and message of
  that refusal (401 40103 with a message_detail here), of a missing date, of a wrong
  method (405 40501) and of an unknown route (404 40401);
- preauth's status_msg for locked-out, disabled and bypass users; an unknown
  username answers "enroll" (Duo's default new-user policy), another policy would
  answer "deny" or "allow";
- auth for a locked-out user: here a transaction that ends at once as "deny"; for a
  user without a push-capable device: 400 40002 "device";
- only Duo Push is modelled (factor passcode, sms and phone are refused as invalid),
  no enrollment, no Verified Duo Push, no trusted devices, no rate limit (429);
- /auth_status answers at once instead of long-polling until the state changes;
- preauth's device "number" masking follows Duo's examples ("XXX-XXX-0156").
"""
