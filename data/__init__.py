"""Bundled datasets with their provenance files."""
