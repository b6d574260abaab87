"""The marketplace simulator: agents on a simulated clock acting through the services."""
