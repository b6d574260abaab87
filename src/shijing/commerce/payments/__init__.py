"""Payments: the PaymentProvider interface, the simulated gateway and signed webhooks."""
