"""Web: the FastAPI application, pages and the live-room hub."""
