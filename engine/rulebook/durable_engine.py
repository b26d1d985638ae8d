"""The only module that imports durable_rules: compiles rules to its dict format and evaluates one
claim's facts per session, behind the guard-rails of FINDINGS.md.

Guard-rails, and why:
- no background dispatcher (it runs pending actions on its own thread; results come back late);
- one lock around every engine call (the C core has no locks);
- one session per evaluation, asserted in one batch, actions run before returning, then deleted
  (the engine caps live sessions at 1,024, costs ~270 KB each and hashes session ids to 32 bits);
- a sentinel fact and rule in every shard, so an action always runs before the session is
  deleted (deleting a session where nothing fired corrupts the heap);
- rules sharded per command and in chunks of at most 40 (creation hangs or corrupts beyond ~500
  rules or ~57 joins per fact type);
- errors raised in actions are collected and fail the evaluation (the engine swallows them);
- rule sets replaced in place and freed (the engine has no unregister; new Hosts leak threads).
"""
from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass

import durable_rules_engine
from durable import engine as durable

from ..domain.errors import EvaluationFailed
from .facts import FactSet, encode_facts
from .model import CompiledRule, Firing, RuleSet, Test

MAX_RULES_PER_SHARD = 40
MAX_LOADED_RULESETS = 16
_SENTINEL = "__sentinel__"
_ALIAS = {"command": "c", "parameters": "p", "claim": "h", "line": "l"}
_DERIVED = "__derived__"


def durable_term(test: Test, kind: str) -> dict:
    """One compiled test in durable's expression syntax ($m: a field of the same fact)."""
    operand = test.value
    if test.ref:
        operand = {"$m": test.ref[1]} if test.ref[0] == kind else {_ALIAS[test.ref[0]]: test.ref[1]}
    field, op = test.field, test.op
    if op == "eq":
        return {field: operand}
    if op == "ne":
        return {"$neq": {field: operand}}
    if op in ("gt", "gte", "lt", "lte"):
        return {f"${op}": {field: operand}}
    if op == "in":
        terms = [{field: v} for v in test.value]
        return terms[0] if len(terms) == 1 else {"$or": terms}
    if op == "not_in":
        terms = [{"$neq": {field: v}} for v in test.value]
        return terms[0] if len(terms) == 1 else {"$and": terms}
    if op == "matches":
        return {"$mt": {field: test.value}}
    if op == "exists":
        return {"$ex" if test.value else "$nex": {field: 1}}
    raise ValueError(f"operator {op} has no durable form")


def durable_rule(rule: CompiledRule) -> dict:
    """Every pattern is anchored on its fact type (a $nex-only pattern loops forever) and joined on
    claim_id (colliding session hashes must never join two claims' facts)."""
    patterns, first = [], None
    for pattern in rule.patterns:
        alias = _ALIAS[pattern.kind]
        terms = [{"t": pattern.kind}]
        if first:
            terms.append({"claim_id": {first: "claim_id"}})
        terms.extend(durable_term(t, pattern.kind) for t in pattern.tests)
        patterns.append({alias: terms[0] if len(terms) == 1 else {"$and": terms}})
        first = first or alias
    return {"all": patterns}


@dataclass
class _Shard:
    name: str
    ruleset: object          # durable.engine.Ruleset
    rule_ids: dict[str, str]  # durable rule name -> our rule id


class _Host(durable.Host):
    """durable's Host without its dispatcher threads; every action goes to one recorder."""

    def __init__(self, recorder, on_error):
        self._recorder = recorder
        self._on_error = on_error
        super().__init__()

    def _run(self):  # the stock Host starts two self-rescheduling timer threads here
        return None

    def get_action(self, action_name):
        shard_name, rule_name = action_name.split("::", 1)
        recorder, on_error = self._recorder, self._on_error

        def action(c):
            try:
                recorder(shard_name, rule_name, c._m)
            except Exception as exc:  # the engine would swallow it (issue #305): keep it, fail the evaluation
                on_error(f"{rule_name}: {exc!r}")
                raise
        return action


class DurableEvaluator:
    """Evaluates a phase of a RuleSet over one claim's facts with durable-rules."""
    name = "durable-rules"

    def __init__(self):
        self._lock = threading.RLock()
        self._host = _Host(self._record, self._fail)
        self._loaded: OrderedDict[str, dict[str, list[_Shard]]] = OrderedDict()
        self._shards: dict[str, _Shard] = {}
        self._firings: list[Firing] = []
        self._errors: list[str] = []
        self._serial = 0

    # --- rule sets ------------------------------------------------------------------------------
    def _shards_for(self, ruleset: RuleSet) -> dict[str, list[_Shard]]:
        shards = self._loaded.get(ruleset.hash)
        if shards is None:
            shards = self._load(ruleset)
            self._loaded[ruleset.hash] = shards
            while len(self._loaded) > MAX_LOADED_RULESETS:
                _, old = self._loaded.popitem(last=False)
                self._free(old)
        self._loaded.move_to_end(ruleset.hash)
        return shards

    def _load(self, ruleset: RuleSet) -> dict[str, list[_Shard]]:
        phases: dict[str, list[CompiledRule]] = {}
        for rule in ruleset.rules:
            for key in rule.commands or (_DERIVED,):
                phases.setdefault(key, []).append(rule)
        out = {}
        for key, rules in phases.items():
            chunks = [rules[i:i + MAX_RULES_PER_SHARD] for i in range(0, len(rules), MAX_RULES_PER_SHARD)]
            out[key] = [self._create_shard(f"cf_{ruleset.hash}_{key}_{n}", chunk) for n, chunk in enumerate(chunks)]
        return out

    def _create_shard(self, name: str, rules: list[CompiledRule]) -> _Shard:
        definition, ids = {}, {}
        for n, rule in enumerate(rules):
            definition[f"r{n}"] = dict(durable_rule(rule), run=f"{name}::r{n}")
            ids[f"r{n}"] = rule.id
        definition[_SENTINEL] = {"all": [{"s": {"t": _SENTINEL}}], "run": f"{name}::{_SENTINEL}"}
        try:
            ruleset = durable.Ruleset(name, self._host, definition)
        except Exception as exc:  # the engine reports creation errors as bare exceptions with a code
            raise EvaluationFailed(f"durable-rules refused rule shard {name}: {exc}") from exc
        shard = _Shard(name, ruleset, ids)
        self._shards[name] = shard
        return shard

    def _free(self, shards: dict[str, list[_Shard]]) -> None:
        for shard in (s for group in shards.values() for s in group):
            self._shards.pop(shard.name, None)
            durable_rules_engine.delete_ruleset(shard.ruleset._handle)

    def unload_all(self) -> None:
        with self._lock:
            for shards in self._loaded.values():
                self._free(shards)
            self._loaded.clear()

    # --- evaluation -----------------------------------------------------------------------------
    def _record(self, shard_name: str, rule_name: str, matched) -> None:
        if rule_name == _SENTINEL:
            return
        rule_id = self._shards[shard_name].rule_ids[rule_name]
        line = matched.get("l") if isinstance(matched, dict) else None
        self._firings.append(Firing(rule_id, line["line_no"] if line else None))

    def _fail(self, message: str) -> None:
        """Any error inside an engine action, whatever raised it, fails the evaluation."""
        self._errors.append(message)

    def evaluate(self, ruleset: RuleSet, command: str | None, facts: FactSet) -> list[Firing]:
        engine_facts = encode_facts(facts)
        with self._lock:
            shards = self._shards_for(ruleset).get(command or _DERIVED, [])
            self._firings, self._errors = [], []
            for shard in shards:
                self._evaluate_shard(shard, facts.claim_key, engine_facts)
            if self._errors:
                raise EvaluationFailed(f"rule action failed: {self._errors[0]}")
            firings = self._firings
        order = {r.id: r.order for r in ruleset.rules}
        return sorted(set(firings), key=lambda f: f.sort_key(order))

    def _evaluate_shard(self, shard: _Shard, claim_key: str, engine_facts: list[dict]) -> None:
        self._serial += 1
        sid = f"{claim_key}#{self._serial}"
        handle = shard.ruleset._handle
        # The sentinel goes first and alone, and its action runs before the claim's facts arrive:
        # then the session has run an action whatever happens next, so deleting it is safe.
        self._run_batch(shard, [{"t": _SENTINEL, "id": "sentinel", "sid": sid}])
        batch = [dict(f, sid=sid) for f in engine_facts]
        try:
            self._run_batch(shard, batch)
        finally:
            durable_rules_engine.delete_state(handle, sid)

    def _run_batch(self, shard: _Shard, batch: list[dict]) -> None:
        try:
            code, state = durable_rules_engine.assert_facts(shard.ruleset._handle, json.dumps(batch, ensure_ascii=False))
            if code == 2:  # a duplicate fact: our ids are unique, so this is the engine's false duplicate
                raise EvaluationFailed(f"durable-rules reported a duplicate fact in shard {shard.name}")
            outcome: dict = {}
            shard.ruleset.do_actions(state, lambda error, _state: outcome.update(error=error) if error else None)
            if outcome.get("error"):
                self._errors.append(str(outcome["error"]))
        except EvaluationFailed:
            raise
        except Exception as exc:
            raise EvaluationFailed(f"durable-rules failed in shard {shard.name}: {exc}") from exc
