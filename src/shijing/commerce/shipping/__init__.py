"""Shipping: shipments, carriers and tracking events."""
