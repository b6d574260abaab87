"""Traffic: public and followers feeds, and how trust shapes ranking."""
