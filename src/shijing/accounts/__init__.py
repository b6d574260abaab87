"""Accounts: users, roles, passwords, sessions, API tokens and login rate limits."""
