"""JSON Schemas (2020-12) for rule files, overlays, parameters and rule tests."""
