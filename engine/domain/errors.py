"""One error hierarchy for everything a user can cause; each error has a stable code and exit code."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Reason:
    """One machine-readable reason: why a command was refused or an input rejected."""
    code: str
    message: str
    rule_id: str | None = None
    location: str | None = None

    def as_dict(self) -> dict:
        out = {"code": self.code, "message": self.message}
        if self.rule_id:
            out["rule_id"] = self.rule_id
        if self.location:
            out["location"] = self.location
        return out


class ClaimflowError(Exception):
    """Base of every user-facing error. `exit_code` is the CLI's, `http_status` the API's."""
    code = "error"
    exit_code = 1
    http_status = 400

    def __init__(self, message: str, reasons: list[Reason] | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.reasons = reasons or [Reason(self.code, message)]

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message,
                "reasons": [r.as_dict() for r in self.reasons]}


class InvalidInput(ClaimflowError):
    """A command, option or body is malformed (wrong value, missing field)."""
    code = "invalid_input"
    exit_code = 2
    http_status = 422


class NotFound(ClaimflowError):
    code = "not_found"
    exit_code = 3
    http_status = 404


class CommandDenied(ClaimflowError):
    """The rules refused the command; `reasons` lists every refusal. Nothing changed."""
    code = "command_denied"
    exit_code = 4
    http_status = 409


class Conflict(ClaimflowError):
    """Someone else changed the claim since it was read (version check)."""
    code = "conflict"
    exit_code = 5
    http_status = 409


class RuleSetInvalid(ClaimflowError):
    """Rule files or a company overlay failed loading or validation."""
    code = "rules_invalid"
    exit_code = 6
    http_status = 500


class ImportFileInvalid(ClaimflowError):
    """An import file cannot be read at all (missing, wrong columns, not the expected format)."""
    code = "import_file_invalid"
    exit_code = 7
    http_status = 422


class EvaluationFailed(ClaimflowError):
    """The rule engine failed (an action raised, a cycle, an engine error). Nothing changed."""
    code = "evaluation_failed"
    exit_code = 8
    http_status = 500


class ConfigurationError(ClaimflowError):
    code = "configuration_error"
    exit_code = 9
    http_status = 500


EXIT_CODES = {cls.code: cls.exit_code for cls in (
    ClaimflowError, InvalidInput, NotFound, CommandDenied, Conflict, RuleSetInvalid,
    ImportFileInvalid, EvaluationFailed, ConfigurationError)}
