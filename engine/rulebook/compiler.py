"""Rule file data -> CompiledRule, with every semantic check that needs the catalogue.

Checks here (each a located Problem with a stable code): unknown fact kinds, fields, operators,
statuses and actions (with "did you mean"), values of the wrong type, references to a later fact
kind, actions that need a line in a rule without one, command rules that name no command.
"""
from __future__ import annotations

import re
from typing import Any

from .catalogue import ACTIONS, CLAIM_FLAGS, COMMANDS, FACT_ORDER, FACTS, HEADER_STATUSES, LINE_STATUSES, OPERATORS
from .encoding import ValueTypeError, encode
from .model import Action, CompiledRule, Origin, Pattern, Test
from .problems import Problem, did_you_mean
from .yaml_strict import LoadedYaml

_REF = "ref"


class RuleCompiler:
    """Compiles the rules of one loaded file; collects problems instead of stopping at the first."""

    def __init__(self, loaded: LoadedYaml):
        self.loaded = loaded
        self.problems: list[Problem] = []

    def problem(self, code: str, message: str, path: tuple, rule_id: str | None, hint: str | None = None):
        self.problems.append(Problem(code, message, self.loaded.where(path), rule_id, hint))

    def compile(self, raw: dict, path: tuple, origin: Origin, order: int) -> CompiledRule | None:
        rule_id = raw.get("id")
        before = len(self.problems)
        when = raw.get("when") or {}
        patterns = self._patterns(when, path + ("when",), rule_id)
        commands = self._commands(when, path + ("when",), rule_id)
        actions = self._actions(raw.get("then") or [], path + ("then",), rule_id, when)
        if len(self.problems) > before:
            return None
        return CompiledRule(id=rule_id, description=raw.get("description", ""), commands=commands,
                            patterns=patterns, actions=actions, origin=origin, order=order)

    # --- when ---------------------------------------------------------------------------------
    def _patterns(self, when: dict, path: tuple, rule_id) -> tuple[Pattern, ...]:
        patterns = []
        for kind in when:
            if kind not in FACTS:
                self.problem("unknown_fact", f"unknown fact '{kind}'", path + (kind,), rule_id,
                             did_you_mean(kind, FACTS) or f"use one of {', '.join(FACT_ORDER)}")
        for kind in FACT_ORDER:
            if kind not in when:
                continue
            body = when[kind]
            if kind == "command" and isinstance(body, str):
                body = {"name": body}
            if body is None:
                body = {}
            if not isinstance(body, dict):
                self.problem("invalid_pattern", f"'{kind}' must map field names to tests", path + (kind,), rule_id)
                continue
            tests = []
            for fname, spec in body.items():
                tests.extend(self._tests(kind, fname, spec, path + (kind, fname), rule_id, when))
            patterns.append(Pattern(kind, tuple(tests)))
        if not patterns:
            self.problem("empty_when", "a rule needs at least one fact in 'when'", path, rule_id)
        return tuple(patterns)

    def _commands(self, when: dict, path: tuple, rule_id) -> tuple[str, ...]:
        if "command" not in when:
            return ()
        body = when["command"]
        name = body if isinstance(body, str) else (body or {}).get("name")
        if isinstance(name, str):
            return (name,) if name in COMMANDS else ()
        if isinstance(name, dict) and isinstance(name.get("in"), list):
            return tuple(n for n in name["in"] if n in COMMANDS)
        self.problem("command_without_name", "a rule on 'command' must name the command (name: or in:)",
                     path + ("command",), rule_id, "write `command: submit` or `command: {name: {in: [a, b]}}`")
        return ()

    def _tests(self, kind: str, fname: str, spec: Any, path: tuple, rule_id, when: dict) -> list[Test]:
        fields = FACTS[kind]
        if fname not in fields:
            self.problem("unknown_field", f"'{kind}' has no field '{fname}'", path, rule_id,
                         did_you_mean(fname, fields) or f"fields: {', '.join(sorted(fields))}")
            return []
        if not isinstance(spec, dict):
            spec = {"eq": spec}
        tests = []
        for op, operand in spec.items():
            if op not in OPERATORS:
                self.problem("unknown_operator", f"unknown operator '{op}'", path + (op,), rule_id,
                             did_you_mean(op, OPERATORS) or f"operators: {', '.join(OPERATORS)}")
                continue
            test = self._test(kind, fname, op, operand, path + (op,), rule_id, when)
            if test:
                tests.append(test)
        return tests

    def _test(self, kind, fname, op, operand, path, rule_id, when) -> Test | None:
        ftype = FACTS[kind][fname]
        loc = self.loaded.where(path)
        if op == "exists":
            if not isinstance(operand, bool):
                self.problem("type_mismatch", "exists takes true or false", path, rule_id)
                return None
            if not ftype.optional:
                self.problem("field_always_present", f"{kind}.{fname} is always present; `exists` only "
                             "applies to optional fields", path, rule_id)
                return None
            return Test(fname, op, operand, location=loc, source=operand)
        if op == "matches":
            if ftype.kind not in ("string", "enum") or not isinstance(operand, str):
                self.problem("type_mismatch", "'matches' needs a text field and a pattern", path, rule_id)
                return None
            try:
                re.compile(operand)
            except re.error as exc:
                self.problem("invalid_pattern", f"bad regular expression: {exc}", path, rule_id)
                return None
            return Test(fname, op, operand, location=loc, source=operand)
        if isinstance(operand, dict) and set(operand) == {_REF}:
            return self._ref_test(kind, fname, op, operand[_REF], path, rule_id, when, loc)
        if op in ("gt", "gte", "lt", "lte") and ftype.kind not in ("int", "decimal"):
            self.problem("type_mismatch", f"'{op}' compares numbers but {kind}.{fname} is {ftype.describe()}",
                         path, rule_id)
            return None
        if op in ("in", "not_in"):
            if not isinstance(operand, list) or not operand:
                self.problem("type_mismatch", f"'{op}' needs a non-empty list", path, rule_id)
                return None
            values = [self._encode(ftype, v, path + (i,), rule_id, kind, fname) for i, v in enumerate(operand)]
            if any(v is _BAD for v in values):
                return None
            return Test(fname, op, tuple(values), location=loc, source=operand)
        value = self._encode(ftype, operand, path, rule_id, kind, fname)
        return None if value is _BAD else Test(fname, op, value, location=loc, source=operand)

    def _ref_test(self, kind, fname, op, ref, path, rule_id, when, loc) -> Test | None:
        if not isinstance(ref, str) or "." not in ref:
            self.problem("invalid_reference", "a reference is written `kind.field`", path, rule_id)
            return None
        rkind, rfield = ref.split(".", 1)
        if rkind not in FACTS or rfield not in FACTS[rkind]:
            self.problem("unknown_field", f"reference to unknown field '{ref}'", path, rule_id)
            return None
        if FACT_ORDER.index(rkind) > FACT_ORDER.index(kind) or rkind not in when:
            self.problem("invalid_reference", f"'{ref}' must name this fact or one of this rule listed before "
                         f"'{kind}'", path, rule_id, f"order: {', '.join(FACT_ORDER)}")
            return None
        if FACTS[rkind][rfield].optional:
            self.problem("reference_to_optional_field", f"'{ref}' may be absent, so it cannot be compared with",
                         path, rule_id, "compare with a field that is always present")
            return None
        if FACTS[rkind][rfield].kind != FACTS[kind][fname].kind:
            self.problem("type_mismatch", f"{kind}.{fname} and {ref} have different types", path, rule_id)
            return None
        return Test(fname, op, None, ref=(rkind, rfield), location=loc, source=f"{ref}")

    def _encode(self, ftype, value, path, rule_id, kind, fname):
        try:
            return encode(ftype, value)
        except ValueTypeError as exc:
            hint = did_you_mean(value, ftype.values) if ftype.kind == "enum" else None
            if ftype.kind in ("decimal", "int") and isinstance(value, str):
                hint = "write the number without quotes"
            if ftype.kind == "string" and not isinstance(value, str):
                hint = f"quote it (\"{value}\") if it is a code"
            code = "unknown_status" if fname == "status" else "type_mismatch"
            self.problem(code, f"{kind}.{fname}: {exc}", path, rule_id, hint)
            return _BAD

    # --- then ---------------------------------------------------------------------------------
    def _actions(self, then: list, path: tuple, rule_id, when: dict) -> tuple[Action, ...]:
        actions = []
        for i, entry in enumerate(then):
            if not isinstance(entry, dict) or len(entry) != 1:
                self.problem("invalid_action", "each action is one `name: argument` pair", path + (i,), rule_id)
                continue
            (name, arg), = entry.items()
            spec = ACTIONS.get(name)
            if spec is None:
                self.problem("unknown_action", f"unknown action '{name}'", path + (i, name), rule_id,
                             did_you_mean(name, ACTIONS) or f"actions: {', '.join(sorted(ACTIONS))}")
                continue
            if spec.needs_line and "line" not in when:
                self.problem("action_needs_line", f"'{name}' acts on a line: add `line:` to `when`",
                             path + (i, name), rule_id)
                continue
            if self._argument_ok(spec.argument, arg, path + (i, name), rule_id):
                actions.append(Action(name, arg, self.loaded.where(path + (i, name))))
        return tuple(actions)

    def _placeholders_ok(self, message: str, path, rule_id) -> bool:
        """A message's {kind.field} placeholders must name catalogue fields (else they print empty)."""
        ok = True
        for kind, name in _PLACEHOLDER.findall(message):
            if kind not in FACTS or name not in FACTS[kind]:
                known = [f"{k}.{f}" for k in FACTS for f in FACTS[k]]
                self.problem("unknown_field", f"the message names '{{{kind}.{name}}}', which no fact has", path,
                             rule_id, did_you_mean(f"{kind}.{name}", known))
                ok = False
        return ok

    def _argument_ok(self, kind: str, arg, path, rule_id) -> bool:
        statuses = {"header_status": HEADER_STATUSES, "line_status": LINE_STATUSES}.get(kind)
        if statuses is not None:
            if arg not in statuses:
                self.problem("unknown_status", f"'{arg}' is not a {kind.replace('_', ' ')}", path, rule_id,
                             did_you_mean(arg, statuses))
                return False
            return True
        if kind == "flags":
            ok = isinstance(arg, dict) and all(k in CLAIM_FLAGS and isinstance(v, bool) for k, v in arg.items())
            if not ok:
                self.problem("invalid_action", f"flags are {', '.join(CLAIM_FLAGS)} with true/false", path, rule_id)
            return ok
        if kind == "deny":
            ok = isinstance(arg, dict) and isinstance(arg.get("code"), str) and isinstance(arg.get("message"), str)
            if not ok:
                self.problem("invalid_action", "deny needs a code and a message", path, rule_id)
                return False
            return self._placeholders_ok(arg["message"], path + ("message",), rule_id)
        if arg not in (None, {}):
            self.problem("invalid_action", "this action takes no argument: write `{}`", path, rule_id)
            return False
        return True


_BAD = object()
_PLACEHOLDER = re.compile(r"\{([a-z_]+)\.([a-z_]+)\}")
