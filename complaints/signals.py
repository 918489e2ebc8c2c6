"""What a complaint tells the apps above it, without knowing them: sent inside the
service's transaction, so a receiver that fails leaves nothing half-saved."""

from django.dispatch import Signal

# complaint, actor: a complaint was closed (handled, on the spot or out of scope).
complaint_closed = Signal()
