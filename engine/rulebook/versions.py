"""Rule-set versions: an effective rule set as a stored document, and back (DOMAIN 5.11: a claim
keeps the rule-set version it was submitted under until an implementer migrates it)."""
from __future__ import annotations

from decimal import Decimal

from ..domain.errors import EvaluationFailed
from .compiler import RuleCompiler
from .loader import content_hash
from .model import Origin, RuleSet
from .problems import Location
from .yaml_strict import LoadedYaml


def to_document(ruleset: RuleSet) -> dict:
    """JSON-safe: decimals become {"$decimal": "500.00"}, never floats."""
    return {"hash": ruleset.hash, "company": ruleset.company, "parameters": _encode(ruleset.parameters),
            "rules": [{"raw": _encode(ruleset.sources[r.id]), "origin": _origin(r.origin)} for r in ruleset.rules]}


def from_document(document: dict) -> RuleSet:
    """Recompiles a stored rule set; its content must still hash to the hash it was stored under."""
    parameters = _decode(document["parameters"])
    raws = [_decode(entry["raw"]) for entry in document["rules"]]
    if content_hash({raw["id"]: raw for raw in raws}, parameters) != document["hash"]:
        raise EvaluationFailed(f"stored rule set {document['hash']} does not match its hash", code="ruleset_corrupt")
    compiler = RuleCompiler(LoadedYaml(f"rule set {document['hash']}", {"rules": raws}, {}, []))
    rules = []
    for order, (raw, entry) in enumerate(zip(raws, document["rules"])):
        rule = compiler.compile(raw, ("rules", order), _from_origin(entry["origin"]), order)
        if rule is None:  # the catalogue no longer knows something this version used
            problems = "; ".join(p.message for p in compiler.problems)
            raise EvaluationFailed(f"rule set {document['hash']} no longer compiles: {problems}",
                                   code="ruleset_incompatible")
        rules.append(rule)
    return RuleSet(hash=document["hash"], rules=tuple(rules), parameters=parameters, company=document["company"],
                   sources={raw["id"]: raw for raw in raws})


def _origin(origin: Origin) -> dict:
    base = origin.base_location
    return {"location": _loc(origin.location), "layer": origin.layer, "base": _loc(base) if base else None}


def _from_origin(data: dict) -> Origin:
    base = data.get("base")
    return Origin(Location(**data["location"]), data["layer"], Location(**base) if base else None)


def _loc(location: Location) -> dict:
    return {"file": location.file, "line": location.line, "column": location.column}


def _encode(value):
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dict):
        return {k: _encode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value):
    if isinstance(value, dict):
        if set(value) == {"$decimal"}:
            return Decimal(value["$decimal"])
        return {k: _decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value
