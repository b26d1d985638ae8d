"""Load a rules directory into a company's effective RuleSet: base files, then the company overlay.

Layout: <rules>/base/*.yaml (rule sets) and <rules>/companies/<CODE>/overlay.yaml. Every problem
of every file is collected and raised at once (RuleSetInvalid), sorted by file:line:col.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import lru_cache
from decimal import Decimal
from pathlib import Path

from jsonschema import Draft202012Validator
from jsonschema.exceptions import best_match
from referencing import Registry, Resource

from ..domain.errors import RuleSetInvalid
from .checks import check_ruleset
from .compiler import RuleCompiler
from .model import CompiledRule, Origin, RuleSet
from .problems import Problem, did_you_mean, raise_if_any
from .yaml_strict import LoadedYaml, load_file

PARAMETER_DEFAULTS = {"use_claim_history": False, "inventory_allocations_required": False,
                      "document_approval": False, "print_rma": False}


@dataclass
class _Collected:
    rules: list[CompiledRule] = field(default_factory=list)
    raw: dict[str, dict] = field(default_factory=dict)      # rule id -> the rule as written
    problems: list[Problem] = field(default_factory=list)
    parameters: dict = field(default_factory=dict)


SCHEMA_NAMES = ("ruleset", "overlay", "parameters", "ruletest")


@lru_cache(maxsize=8)
def _validators(schemas_dir: Path | None) -> dict[str, Draft202012Validator]:
    """Without a folder, the schemas come straight from the catalogue (schema_gen), so vocabulary
    the lead adds works before the shipped files are regenerated; a test keeps the files in sync."""
    if schemas_dir is None:
        from .schema_gen import SCHEMAS
        schemas = {name: make() for name, make in SCHEMAS.items()}
    else:
        schemas = {name: json.loads((schemas_dir / f"{name}.schema.json").read_text(encoding="utf-8"))
                   for name in SCHEMA_NAMES}
    registry = Registry().with_resources(
        (s["$id"], Resource.from_contents(s)) for s in schemas.values())
    return {name: Draft202012Validator(s, registry=registry,
                                       format_checker=Draft202012Validator.FORMAT_CHECKER)
            for name, s in schemas.items()}


def validator(name: str, schemas_dir: Path | None = None) -> Draft202012Validator:
    return _validators(Path(schemas_dir) if schemas_dir else None)[name]


def schema_problems(loaded: LoadedYaml, validator: Draft202012Validator) -> list[Problem]:
    """Every schema violation, each at the node it concerns (the most specific alternative)."""
    problems = []
    for error in validator.iter_errors(loaded.data):
        error = _most_specific(error)
        path = tuple(error.absolute_path)
        if error.validator == "additionalProperties" and isinstance(error.instance, dict):
            known = set(error.schema.get("properties", {}))
            for extra in [k for k in error.instance if k not in known]:
                code, what = _unknown_name(path)
                problems.append(Problem(code, f"unknown {what} '{extra}'", loaded.where(path + (extra,)),
                                        _rule_id(loaded, path),
                                        did_you_mean(extra, known) or f"allowed: {', '.join(sorted(known))}"))
            continue
        if error.validator == "enum" and isinstance(error.instance, str):
            choices = error.validator_value
            code = "unknown_status" if path and str(path[-1]).endswith("status") else "unknown_value"
            problems.append(Problem(code, f"'{error.instance}' is not one of {', '.join(map(str, choices))}",
                                    loaded.where(path), _rule_id(loaded, path), did_you_mean(error.instance, choices)))
            continue
        problems.append(Problem("schema_violation", error.message, loaded.where(path), _rule_id(loaded, path)))
    return problems


def _unknown_name(path: tuple) -> tuple[str, str]:
    """Names the unknown key by where it sits: a fact under `when`, a field of a fact, an action."""
    if len(path) >= 1 and path[-1] == "when":
        return "unknown_fact", "fact"
    if len(path) >= 2 and path[-2] == "when":
        return "unknown_field", f"field of '{path[-1]}':"
    if len(path) >= 2 and path[-2] == "then":
        return "unknown_action", "action"
    return "unknown_key", "key"


def _rule_id(loaded: LoadedYaml, path: tuple) -> str | None:
    """The id of the rule a path points into, for `rules[i]`, `override[i]` and `add[i]` paths."""
    if len(path) >= 2 and path[0] in ("rules", "override", "add") and isinstance(loaded.data, dict):
        try:
            rule = loaded.data[path[0]][path[1]]
        except (IndexError, KeyError, TypeError):
            return None
        return rule.get("id") if isinstance(rule, dict) and isinstance(rule.get("id"), str) else None
    return None


def _most_specific(error):
    """For oneOf/anyOf, report against the alternative that got furthest, not the whole choice."""
    while error.context:
        error = best_match(error.context)
    return error


def load_ruleset(rules_dir: Path, company: str | None = None, schemas_dir: Path | None = None) -> RuleSet:
    rules_dir = Path(rules_dir)
    validators = _validators(Path(schemas_dir) if schemas_dir else None)
    collected = _Collected()  # parameters: only what the overlay sets (it wins over the database)
    base_dir = rules_dir / "base"
    files = rule_files(base_dir)
    if not files:
        collected.problems.append(Problem("no_rule_files", f"no rule files in {base_dir}", None,
                                          hint="point --rules / CLAIMFLOW_RULES at a folder with base/*.yaml"))
    for path in files:
        _load_base_file(path, rules_dir, validators["ruleset"], collected)
    if company:
        overlay = rules_dir / "companies" / company / "overlay.yaml"
        if overlay.is_file():
            _apply_overlay(overlay, rules_dir, validators["overlay"], company, collected)
    findings = check_ruleset(tuple(collected.rules))
    collected.problems.extend(findings)
    warnings = tuple(sorted((p for p in findings if p.severity == "warning"), key=Problem.sort_key))
    try:
        raise_if_any(collected.problems)
    except RuleSetInvalid as error:
        error.warnings = warnings  # `claims rules validate` lists them with the errors
        raise
    return RuleSet(hash=_hash(collected), rules=tuple(collected.rules),
                   parameters=collected.parameters, company=company, warnings=warnings,
                   sources={r.id: collected.raw[r.id] for r in collected.rules})


def rule_files(folder: Path) -> list[Path]:
    """The rule set files of a folder; `*.test.yaml` beside them are rule test cases, not rules."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".test.yaml"))


def _display(path: Path, rules_dir: Path) -> str:
    try:
        return str(path.relative_to(rules_dir.parent))
    except ValueError:
        return str(path)


def _load_base_file(path: Path, rules_dir: Path, validator, collected: _Collected) -> None:
    loaded = load_file(path, _display(path, rules_dir))
    collected.problems.extend(loaded.problems)
    if loaded.data is None and not loaded.problems:  # an emptied file must not drop its rules silently
        collected.problems.append(Problem("empty_file", "the rule file is empty", loaded.where(()),
                                          hint="restore its rules, or delete the file on purpose"))
    if loaded.data is None or loaded.problems:
        return
    found = schema_problems(loaded, validator)
    collected.problems.extend(found)
    if found:
        return
    compiler = RuleCompiler(loaded)
    for i, raw in enumerate(loaded.data["rules"]):
        _add_rule(compiler, raw, ("rules", i), Origin(loaded.where(("rules", i))), collected)
    collected.problems.extend(compiler.problems)


def _add_rule(compiler: RuleCompiler, raw: dict, path: tuple, origin: Origin, collected: _Collected) -> None:
    if raw["id"] in collected.raw:
        first = next(r for r in collected.rules if r.id == raw["id"]) if any(
            r.id == raw["id"] for r in collected.rules) else None
        compiler.problem("duplicate_rule_id", f"rule id '{raw['id']}' is already defined" +
                         (f" at {first.origin.location}" if first else ""), path + ("id",), raw["id"],
                         "give the rule a new id, or use `override:` in a company overlay")
        return
    rule = compiler.compile(raw, path, origin, order=len(collected.rules))
    collected.raw[raw["id"]] = raw
    if rule:
        collected.rules.append(rule)


def _apply_overlay(path: Path, rules_dir: Path, validator, company: str, collected: _Collected) -> None:
    loaded = load_file(path, _display(path, rules_dir))
    collected.problems.extend(loaded.problems)
    if loaded.data is None or loaded.problems:
        return
    found = schema_problems(loaded, validator)
    collected.problems.extend(found)
    if found:
        return
    data = loaded.data
    if data["company"] != company:
        collected.problems.append(Problem("overlay_company_mismatch",
                                          f"overlay says company '{data['company']}' but sits in the folder of {company}",
                                          loaded.where(("company",))))
    collected.parameters.update(data.get("parameters") or {})
    compiler = RuleCompiler(loaded)
    by_id = {r.id: r for r in collected.rules}
    for i, rule_id in enumerate(data.get("disable") or []):
        if rule_id not in collected.raw:
            compiler.problem("unknown_rule_id", f"cannot disable unknown rule '{rule_id}'", ("disable", i), rule_id,
                             did_you_mean(rule_id, collected.raw))
        collected.rules = [r for r in collected.rules if r.id != rule_id]
    for i, raw in enumerate(data.get("override") or []):
        base = by_id.get(raw["id"])
        if raw["id"] not in collected.raw:
            compiler.problem("unknown_rule_id", f"cannot override unknown rule '{raw['id']}'",
                             ("override", i, "id"), raw["id"], did_you_mean(raw["id"], collected.raw))
            continue
        origin = Origin(loaded.where(("override", i)), "overlay", base.origin.location if base else None)
        rule = compiler.compile(raw, ("override", i), origin, order=base.order if base else 0)
        collected.raw[raw["id"]] = raw
        if rule:
            collected.rules = [rule if r.id == rule.id else r for r in collected.rules]
    for i, raw in enumerate(data.get("add") or []):
        _add_rule(compiler, raw, ("add", i), Origin(loaded.where(("add", i)), "overlay"), collected)
    collected.problems.extend(compiler.problems)


def _hash(collected: _Collected) -> str:
    """Content hash of the effective rules and parameters: recorded on every decision."""
    return content_hash({r.id: collected.raw[r.id] for r in collected.rules}, collected.parameters)


def content_hash(effective: dict, parameters: dict) -> str:
    text = json.dumps({"rules": effective, "parameters": parameters}, sort_keys=True,
                      default=lambda v: str(v) if isinstance(v, Decimal) else repr(v))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
