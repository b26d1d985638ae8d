"""Revision files, one per schema change (importable so they ship in the wheel)."""
