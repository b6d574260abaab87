"""Shops: owners and staff, return address, ship-within promise and status."""
