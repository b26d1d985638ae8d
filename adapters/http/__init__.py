"""The HTTP API (FastAPI): driving adapter over the claim service, API keys, idempotency, problem+json."""
