"""Base rule sets and company overlays, shipped as package data."""
