"""Integrity: detection of brushing, fake reviews and return abuse; produces flags."""
