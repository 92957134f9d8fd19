"""What the Halo integration tells the apps above it, without importing them."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `connection` (a HaloConnection) after a connection test has been
# recorded: a test can finish a workspace's onboarding (tickettab/onboarding.py).
connection_tested = Signal()
