"""Signals licensing sends so higher apps (onboarding) can react without being imported here."""

from django.dispatch import Signal

# Sent after a license starts: kwargs license, kind ("new", "trial_conversion" or "renewal").
license_started = Signal()
# Sent after seats are added to a license: kwargs license, seat_change.
seats_added = Signal()
# Sent after a batch of seat usage is stored: kwargs license_ids (the licenses it reported on).
usage_recorded = Signal()
