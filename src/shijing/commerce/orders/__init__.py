"""Orders: placement with stock reservation, idempotency, lifecycle and timeline."""
