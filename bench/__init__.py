"""`make bench`: the app under gunicorn against the Halo sandbox, measured. See README.md."""
