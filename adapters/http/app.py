"""The FastAPI application: routes over ClaimService, API-key auth, company scopes, ETags and idempotency."""
from __future__ import annotations

import hashlib
import inspect
import logging
import os
import re
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Body, Depends, FastAPI, Header, Path, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.exceptions import HTTPException as StarletteHTTPException

from ...engine.domain.errors import ClaimflowError, InvalidInput, NotFound, Reason
from ...engine.service.commands import ClaimCommand, ClaimOptions, NewLine
from ...engine.service.views import claim_summary, claim_view
from ..bootstrap import App
from ..db.http_store import ApiKeyStore, IdempotencyStore
from . import problems
from .auth import CREATE, READ, RULES, ApiKeys, Principal, ROLE_PERMISSIONS
from .commands import COMMANDS, CommandRoute
from .health import health_report
from .idempotency import Idempotency
from .schemas import (ClaimOut, ClaimPageOut, Code, HealthOut, NewClaimIn, Problem, RulesOut, WhoAmIOut,
                      CallClaimIn, DocumentClaimIn, WhyIn, decimal)

log = logging.getLogger("claimflow.http")

CompanyPath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f/]+$")]
NumberPath = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f/]+$")]
IfMatch = Annotated[str | None, Header(alias="If-Match", max_length=100, pattern=r'^(\*|(W/)?"?[0-9]{1,9}"?)$',

                                       description='The claim version last read, as its ETag ("3"); '
                                                   "a stale one answers 412.")]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200,
                                              pattern=r"^[\x21-\x7e]+$",
                                              description="Retries with the same key and body get the first "
                                                          "answer; nothing runs twice.")]
_VERSION_TAG = re.compile(r'^(?:W/)?"?([0-9]{1,9})"?$')
_bearer = HTTPBearer(auto_error=False, description="An API key: `Authorization: Bearer cf_<id>_<secret>`.")


def _errors(*statuses: int) -> dict:
    return {s: {"model": Problem, "description": _ERROR_TEXT[s]} for s in (401, 422, *statuses)}


_ERROR_TEXT = {401: "No, unknown or revoked API key.", 403: "The key's role may not do this.",
               404: "No such claim or company (or not one this key may see).",
               409: "Refused by the rules (`command_denied` and rule codes) or changed concurrently (`conflict`).",
               412: "If-Match names a version the claim is no longer at; the body holds the current claim.",
               422: "Invalid input: body, path, query or header (`invalid_input` with the field's location).",
               503: "Rule engine worker crashed or timed out, or the database is unavailable; retry."}


def create_api(app: App, *, owns_app: bool = True) -> FastAPI:
    """The HTTP API over one composed App; `owns_app` closes the App (and its evaluator) on shutdown."""
    @asynccontextmanager
    async def lifespan(_api):
        yield
        if owns_app:
            close = getattr(app.rulebook.evaluator, "close", None)
            if close:
                close()
            app.close()

    api = FastAPI(title="Claimflow", version="1", lifespan=lifespan,
                  generate_unique_id_function=lambda route: route.name,
                  description="Customer claims: register, decide, settle and close claims by YAML rules. "
                              "Errors are application/problem+json with stable codes; see docs/http.md.")
    engine = app.uow_factory.engine
    api.state.claimflow = app
    api.state.keys = ApiKeys(ApiKeyStore(engine))
    api.state.idempotency = Idempotency(IdempotencyStore(engine))
    _install_error_handlers(api)
    _add_routes(api, app)
    for route in COMMANDS:
        _add_command_route(api, app, route)
    api.openapi = lambda: _openapi(api)
    return api


# --- authentication and scope ------------------------------------------------------------------
def principal(request: Request,
              credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    found = request.app.state.keys.authenticate(credentials.credentials) if credentials else None
    if found is None:
        raise problems.ApiError(401, "unauthenticated", "Give a valid API key: Authorization: Bearer cf_<id>_<secret>.",
                                headers={"WWW-Authenticate": "Bearer"})
    return found


Caller = Annotated[Principal, Depends(principal)]


def _scope(who: Principal, company: str, number: str | None = None) -> None:
    """Another company's data answers 404, exactly like data that does not exist (no existence leak)."""
    if who.sees(company):
        return
    if number is not None:
        raise NotFound(f"Claim {number!r} does not exist in company {company!r}.", code="claim_not_found")
    raise NotFound(f"Company {company!r} does not exist.", code="company_not_found")


def _allow(who: Principal, permitted: bool, what: str) -> None:
    if not permitted:
        raise problems.ApiError(403, "forbidden", f"Role {who.role} may not {what}.")


# --- rendering ---------------------------------------------------------------------------------
def _etag(version: int) -> str:
    return f'"{version}"'


def _claim_response(view: dict, status: int = 200, headers: dict | None = None) -> Response:
    return problems.json_response(view, status, {"ETag": _etag(view["version"]), **(headers or {})})


def expected_version(if_match: str | None) -> int | None:
    """The version an If-Match header names; None when absent or `*` (any version)."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _VERSION_TAG.match(if_match.strip())
    if not match:
        raise InvalidInput(f'If-Match {if_match!r} is not a claim ETag such as "3"', code="invalid_input",
                           reasons=[Reason("invalid_input", 'expected one ETag such as "3"', location="header.If-Match")])
    return int(match.group(1))


# --- routes ------------------------------------------------------------------------------------
def _add_routes(api: FastAPI, app: App) -> None:
    claims = app.claims

    @api.get("/health", tags=["service"], response_model=HealthOut, responses={503: {"model": HealthOut}})
    def health() -> Response:
        """Database reachable, schema revision, rule set hash. No key needed."""
        report = health_report(app)
        return problems.json_response(report, 200 if report["status"] == "ok" else 503)

    @api.get("/me", tags=["service"], response_model=WhoAmIOut, responses=_errors())
    def whoami(who: Caller) -> Response:
        """The calling key: role, companies and what it may do."""
        allowed = sorted(ROLE_PERMISSIONS[who.role] | {c.name for c in COMMANDS if who.role in c.roles})
        return problems.json_response({"key_id": who.key_id, "name": who.name, "role": who.role,
                                       "companies": sorted(who.companies), "permissions": allowed})

    @api.get("/companies/{company}/claims", tags=["claims"], response_model=ClaimPageOut,
             responses=_errors(403, 404))
    def list_claims(company: CompanyPath, who: Caller,
                    status: Annotated[Code | None, Query(description="Only claims in this header status.")] = None,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
                    offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> Response:
        """Claims of a company by number, a page at a time (`next_offset` is null on the last page)."""
        _scope(who, company)
        _allow(who, who.may(READ), "read claims")
        found = claims.list(company, status, limit + 1, offset)
        page = [claim_summary(c) for c in found[:limit]]
        return problems.json_response({"items": page, "limit": limit, "offset": offset,
                                       "next_offset": offset + limit if len(found) > limit else None})

    @api.post("/companies/{company}/claims", tags=["claims"], status_code=201, response_model=ClaimOut,
              responses=_errors(403, 404, 409))
    def create_claim(company: CompanyPath, who: Caller, body: Annotated[NewClaimIn, Body()],
                     request: Request, idempotency_key: IdempotencyKey = None) -> Response:
        """Register a claim from an original document (`source: document`) or by hand (`source: manual`)."""
        _scope(who, company)
        _allow(who, who.may(CREATE), "create claims")

        def register() -> Response:
            claim = _register(app, company, body, who.actor)
            view = claim_view(claim, [])
            return _claim_response(view, 201, {"Location": f"/companies/{company}/claims/{claim.number}"})
        return api.state.idempotency.run(who, company, idempotency_key, _fingerprint(request, who, body), register)

    @api.get("/companies/{company}/claims/{number}", tags=["claims"], response_model=ClaimOut,
             responses={**_errors(403, 404), 304: {"description": "If-None-Match names the current version."}})
    def show_claim(company: CompanyPath, number: NumberPath, who: Caller,
                   if_none_match: Annotated[str | None, Header(alias="If-None-Match", max_length=100)] = None
                   ) -> Response:
        """A claim with lines, documents and audit trail; `ETag` is its version, for If-Match."""
        _scope(who, company, number)
        _allow(who, who.may(READ), "read claims")
        claim, audit = claims.show(company, number)
        if if_none_match is not None and if_none_match.strip() in (_etag(claim.version), "*"):
            return Response(status_code=304, headers={"ETag": _etag(claim.version)})
        return _claim_response(claim_view(claim, audit))

    @api.post("/companies/{company}/claims/{number}/why", tags=["claims"], responses=_errors(403, 404))
    def why(company: CompanyPath, number: NumberPath, who: Caller, body: Annotated[WhyIn, Body()]) -> Response:
        """Dry run: what the rules would do for an action, or every reason it is refused. Nothing changes."""
        _scope(who, company, number)
        _allow(who, who.may(READ), "read claims")
        name = body.action.replace("-", "_")
        pair = {"approve": ("approve_claim", "approve_line"), "reject": ("reject_claim", "reject_line"),
                "settle": ("settle_line", "settle_line")}.get(name)
        if pair:
            name = pair[1 if body.line is not None else 0]
        result = app.claims.why(ClaimCommand(name, company, number, actor=who.actor, line_no=body.line,
                                             reason=body.reason))
        return problems.json_response(result)

    @api.get("/companies/{company}/rules", tags=["rules"], response_model=RulesOut, responses=_errors(403, 404))
    def rules(company: CompanyPath, who: Caller) -> Response:
        """The company's effective rules (base plus overlay), each with its origin, and the rule set hash."""
        _scope(who, company)
        _allow(who, who.may(RULES), "read rules")
        ruleset = app.rulebook.for_company(company)
        return problems.json_response({
            "company": company, "hash": ruleset.hash, "parameters": ruleset.parameters,
            "rules": [{"id": r.id, "phase": r.phase, "commands": list(r.commands), "description": r.description,
                       "origin": r.origin.describe(), "layer": r.origin.layer} for r in ruleset.rules]})


def _register(app: App, company: str, body, actor: str):
    options = ClaimOptions(str(body.invoice_procedure), str(body.claim_method), body.use_estimates,
                           body.return_material_required, body.internal_text)
    if isinstance(body, CallClaimIn):
        return app.claims.register_from_call(company, body.call, options=options, actor=actor)
    if isinstance(body, DocumentClaimIn):
        doc_type = str(body.document_type) if body.document_type else None
        return app.claims.register_from_document(company, body.document, doc_type=doc_type, line_nos=body.lines,
                                                 options=options, actor=actor)
    lines = [NewLine(ln.item, decimal(ln.quantity), decimal(ln.amount), ln.description) for ln in body.lines]
    return app.claims.register_manual(company, body.customer, lines, currency=body.currency, options=options,
                                      actor=actor)


def _add_command_route(api: FastAPI, app: App, route: CommandRoute) -> None:
    """One POST route per command, with the command's own body schema in the OpenAPI document."""
    def run_command(company: CompanyPath, number: NumberPath, who: Caller, request: Request, body=None,
                    if_match: IfMatch = None, idempotency_key: IdempotencyKey = None) -> Response:
        _scope(who, company, number)
        _allow(who, who.role in route.roles, f"run {route.name}")
        body = body if body is not None else route.body()
        fields = route.to_command(body)
        command = ClaimCommand(company=company, claim_number=number, actor=who.actor,
                               expected_version=expected_version(if_match), **fields)

        def execute() -> Response:
            try:
                result = app.claims.run(command)
            except ClaimflowError as error:
                if error.code != "version_conflict":
                    raise
                return _stale(app, company, number, error)
            view = claim_view(result.claim)
            view["fired"] = list(result.effects.fired)
            return _claim_response(view)
        return api.state.idempotency.run(who, company, idempotency_key, _fingerprint(request, who, body), execute)

    required = any(f.is_required() for f in route.body.model_fields.values())
    body_param = inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY,
                                   annotation=Annotated[route.body if required else route.body | None, Body()],
                                   default=inspect.Parameter.empty if required else None)
    params = [body_param if p.name == "body" else p for p in inspect.signature(run_command).parameters.values()]
    run_command.__signature__ = inspect.Signature([p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params],
                                                  return_annotation=Response)
    run_command.__name__ = f"command_{route.name.replace('-', '_')}"
    api.post(f"/companies/{{company}}/claims/{{number}}/commands/{route.name}", tags=["commands"],
             summary=route.summary, response_model=ClaimOut,
             responses=_errors(403, 404, 409, 412, 503))(run_command)


def _stale(app: App, company: str, number: str, error: ClaimflowError) -> Response:
    """412 with the claim as it is now, so the client can decide again without another GET."""
    claim, audit = app.claims.show(company, number)
    response = problems.from_error(error, claim=claim_view(claim, audit))
    response.headers["ETag"] = _etag(claim.version)
    return response


def _fingerprint(request: Request, who: Principal, body) -> str:
    """What a retry must repeat exactly: key, method, path and the parsed body."""
    payload = {"key": who.key_id, "method": request.method, "path": request.url.path,
               "body": body.model_dump(mode="json") if body is not None else None}
    return hashlib.sha256(problems.dumps(payload).encode()).hexdigest()


# --- errors ------------------------------------------------------------------------------------
def _install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(ClaimflowError)
    async def claimflow_error(_request, error: ClaimflowError):
        return problems.from_error(error)

    @api.exception_handler(RequestValidationError)
    async def invalid_request(_request, error: RequestValidationError):
        reasons = [{"code": "invalid_input", "message": e.get("msg", "invalid"),
                    "location": ".".join(str(p) for p in e.get("loc", ()))} for e in error.errors()]
        detail = "; ".join(f"{r['location']}: {r['message']}" for r in reasons[:5]) or "invalid request"
        return problems.problem(422, "invalid_input", detail, reasons)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(_request, error: StarletteHTTPException):
        if error.status_code == 400:  # a body that is not JSON at all: an input error like any other
            return problems.problem(422, "invalid_input", str(error.detail),
                                    [{"code": "invalid_input", "message": str(error.detail), "location": "body"}])
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return problems.problem(error.status_code, code, str(error.detail), headers=error.headers)

    api.add_middleware(_CatchAll)


class _CatchAll:
    """Answers an unexpected exception with a 500 problem (no traceback in the body) and keeps the
    connection usable; Starlette's own last-resort handler re-raises, and uvicorn then drops it."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = False

        async def tracking_send(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)
        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unexpected failure in %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await problems.internal_error()(scope, receive, send)


def _openapi(api: FastAPI) -> dict:
    """FastAPI's document, with error responses typed application/problem+json as they are sent."""
    if api.openapi_schema:
        return api.openapi_schema
    from fastapi.openapi.utils import get_openapi
    schema = get_openapi(title=api.title, version=api.version, description=api.description, routes=api.routes)
    for path in schema["paths"].values():
        for operation in path.values():
            for status, response in operation.get("responses", {}).items():
                content = response.get("content", {})
                if status.startswith(("4", "5")) and "application/json" in content and status != "503" \
                        or (status == "503" and "Problem" in str(content)):
                    content[problems.PROBLEM_JSON] = content.pop("application/json")
    _link_new_claims(schema)
    api.openapi_schema = schema
    return schema


def _link_new_claims(schema: dict) -> None:
    """OpenAPI links from a created claim to what can be done with it (clients and fuzzers follow them)."""
    created = schema["paths"]["/companies/{company}/claims"]["post"]["responses"]["201"]
    parameters = {"company": "$request.path.company", "number": "$response.body#/number"}
    operations = ["show_claim"] + [f"command_{c.name.replace('-', '_')}" for c in COMMANDS]
    created["links"] = {op: {"operationId": op, "parameters": parameters} for op in operations}


def api_from_env() -> FastAPI:
    """Factory for `uvicorn --factory` (several worker processes): settings from the environment."""
    from ...engine.settings import Settings
    from ..bootstrap import build_app
    from .worker_evaluator import ProcessPoolEvaluator
    workers = int(os.environ.get("CLAIMFLOW_EVAL_WORKERS", "2"))
    evaluator = ProcessPoolEvaluator(workers, os.environ.get("CLAIMFLOW_EVALUATOR", "durable"))
    return create_api(build_app(Settings.from_env(), evaluator=evaluator))

