"""Write a development `.env` with fresh secrets (run by `make`, never in production)."""

from __future__ import annotations

import secrets
import sys
from pathlib import Path

from cryptography.fernet import Fernet

TEMPLATE = """\
# Development settings written by `make`; not for production. Ignored by git.
DEBUG=true
SECRET_KEY={secret_key}
FIELD_ENCRYPTION_KEYS={fernet_key}
ALLOWED_HOSTS=127.0.0.1,localhost
PUBLIC_BASE_URL=http://127.0.0.1:8000
"""


def main(path: str = ".env") -> int:
    target = Path(path)
    if target.exists():
        print(f"{target} exists; leaving it as it is.")
        return 0
    target.write_text(
        TEMPLATE.format(
            secret_key=secrets.token_urlsafe(50),
            fernet_key=Fernet.generate_key().decode(),
        )
    )
    target.chmod(0o600)
    print(f"Wrote {target} with fresh development secrets.")
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
