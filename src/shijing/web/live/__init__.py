"""Live rooms in real time: the per-room fan-out hub and its WebSocket endpoint."""
