"""Rulebook: YAML rule files -> strict load -> schema and semantic checks -> company merge -> compile -> evaluate."""
