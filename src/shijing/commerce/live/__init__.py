"""Live sessions (直播间) and their showcase (小黄车)."""
