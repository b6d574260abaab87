"""Governance: rule book, cases, penalties, appeals and the creators' covenant."""
