"""Catalogue: the category tree, products with validated attributes, SKUs and audited stock."""
