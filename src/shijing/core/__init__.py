"""Core: settings, database, clock, money, errors, events. Knows no business domain."""
