"""Complaints about shops and creators, triaged by operators."""
