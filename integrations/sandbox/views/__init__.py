"""The sandbox's views: the API (api.py, api_tabs.py), sign-in (auth.py), Halo-like
pages (pages.py, tabs.py, config.py) and the devices inbox (devices.py)."""
