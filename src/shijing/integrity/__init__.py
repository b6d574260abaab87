"""Integrity: detection of brushing, fake reviews and return abuse; owns flags.

Importing the package registers its fact tables with the exporter (``facts.registry``)."""

from shijing.integrity import facts as _facts  # noqa: F401  (registers the flags table)
