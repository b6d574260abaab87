"""Commerce: shops, catalogue, creators, live sessions, orders, payments, shipping, after-sales."""
