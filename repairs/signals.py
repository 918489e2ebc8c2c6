"""What a repair order tells the apps above it, without knowing them: sent inside the
service's transaction, so a receiver that fails leaves nothing half-saved."""

from django.dispatch import Signal

# order, actor: the work of a repair order was done.
repair_finished = Signal()
