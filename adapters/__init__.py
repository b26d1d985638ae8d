"""Adapters: database, importers of source documents, outbound documents."""
