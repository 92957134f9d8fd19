"""The tab app's pages: the tab itself (tab.py), the caller's secure link (link.py)
and the workspace pages of verification settings and the report (workspace.py)."""
