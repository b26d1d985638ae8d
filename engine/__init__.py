"""Claim engine: pure domain, rulebook and use cases; no database, no CLI, no HTTP."""
