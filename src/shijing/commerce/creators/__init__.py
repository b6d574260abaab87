"""Creators (主播) and their fans: profiles, follows and the distribution plans they sell under."""
