"""Reviews: ratings of product, logistics and service, follow-ups and shop replies."""
