"""Property-based API testing: schemathesis generates requests from the spec against the emulator.

The spec given to schemathesis is the verbatim one plus the limits its *prose* states, written as
schema keywords (``_with_prose_limits``): ``limit`` is 1..100, metadata holds at most 16 pairs with
keys up to 64 and values up to 512 characters, and the add-items body is a JSON object. Without
them schemathesis would count the API's documented refusals (``limit=0`` → 400) as bugs.

Two of schemathesis's checks are replaced, everything else runs:

- ``status_code_conformance``: the spec documents only 200 and 429, while the real API also answers
  400, 401, 404 and 422 with the same error body. :func:`error_body_conformance` requires every
  other status to be a 4xx carrying the spec's ``ErrorResponse`` (and ``not_a_server_error``
  forbids 5xx).
- ``negative_data_rejection``: schemathesis labels a request "negative" after mutating one union
  branch (``type: null`` in an ``OutputMessage``) without noticing that the result is still valid
  for another branch (``ItemReferenceParam`` allows ``type: null``). :func:`accepted_data_is_valid`
  asks the stronger question for *every* accepted request: does its body really match the spec
  (with the prose limits, unions as ``anyOf``), and are ``limit``/``order`` in range?

The spec's overlapping ``oneOf`` unions are loosened to ``anyOf`` with the contract harness's
``scripts/normalize_spec.py`` (only unions whose branches provably overlap). Without it,
schemathesis "breaks" an item by dropping its ``type`` and expects a 4xx, although the result is
still a valid ``EasyInputMessage`` (``{"role": "assistant", "content": []}``) that the real API,
and the emulator (which reads ``oneOf`` as "at least one alternative matches"), accept.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import urllib.request
import zlib
from collections.abc import Iterator
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
import jsonschema  # noqa: E402
import referencing  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from referencing.jsonschema import DRAFT202012  # noqa: E402
from schemathesis.checks import negative_data_rejection, status_code_conformance  # noqa: E402
from schemathesis.core import NOT_SET  # noqa: E402

from conversations_sdk.emulator import ThreadedEmulator  # noqa: E402
from tests._support.spec_validation import ROOT, load_full_spec, validate_schema  # noqa: E402

KEY = "sk-schemathesis"
MAX_EXAMPLES = int(os.environ.get("EMULATOR_SCHEMATHESIS_EXAMPLES", "25"))


def _with_prose_limits(spec: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    items_path = spec["paths"]["/conversations/{conversation_id}/items"]
    for parameter in items_path["get"]["parameters"]:
        if parameter["name"] == "limit":
            parameter["schema"].update(minimum=1, maximum=100)
    body = items_path["post"]["requestBody"]["content"]["application/json"]["schema"]
    body["type"] = "object"
    metadata = spec["components"]["schemas"]["Metadata"]["anyOf"][0]
    metadata.update(maxProperties=16, propertyNames={"type": "string", "maxLength": 64})
    metadata["additionalProperties"] = {"type": "string", "maxLength": 512}
    _with_responses_prose(spec)
    return spec


def _with_responses_prose(spec: dict[str, Any]) -> None:
    """The Responses paths' prose, as keywords: what the API documents in words or does.

    - ``model`` is required to create a response (the schema leaves every field optional), and
      names a model: the free-form branch of ``ModelIdsShared`` is a non-empty string;
    - ``GET /responses/{id}?stream=true`` answers Server-Sent Events, as the parameter says; the
      spec's event-stream ``schema`` is the JSON in each event's ``data``, written here the way
      OpenAPI 3.2 tools read it (a schema of the event, its ``data`` as ``contentSchema``);
    - delete and cancel document their 404 body as ``Error``, the inner object of the API's
      error envelope; the API (and the emulator) send the ``ErrorResponse`` envelope.
    - ``limit`` of input items is 1..100, like conversation items.
    """
    create = spec["components"]["schemas"]["CreateResponse"]
    create.setdefault("required", []).append("model")
    spec["components"]["schemas"]["ModelIdsShared"]["anyOf"][0]["minLength"] = 1
    events = {
        "schema": {
            "type": "object",
            "required": ["data"],
            "properties": {
                "data": {
                    "contentMediaType": "application/json",
                    "contentSchema": {"$ref": "#/components/schemas/ResponseStreamEvent"},
                }
            },
        }
    }
    retrieve = spec["paths"]["/responses/{response_id}"]
    retrieve["get"]["responses"]["200"]["content"]["text/event-stream"] = events
    spec["paths"]["/responses"]["post"]["responses"]["200"]["content"]["text/event-stream"] = events
    envelope = {"$ref": "#/components/schemas/ErrorResponse"}
    for operation in (retrieve["delete"], spec["paths"]["/responses/{response_id}/cancel"]["post"]):
        operation["responses"]["404"]["content"]["application/json"]["schema"] = envelope
    for parameter in spec["paths"]["/responses/{response_id}/input_items"]["get"]["parameters"]:
        if parameter["name"] == "limit":
            parameter["schema"].update(minimum=1, maximum=100)
    _with_discriminator_mappings(spec["components"]["schemas"])


def _with_discriminator_mappings(schemas: dict[str, Any]) -> None:
    """Spell out what ``discriminator: {propertyName: type}`` means in this spec.

    Without a ``mapping``, OpenAPI reads the discriminator's values as *schema names*
    (``InputMessageResource``), so schemathesis flags every real item (``"type": "message"``) as
    an unknown discriminator value. The spec means each branch's ``type`` enum: map those.
    """

    def tags(schema: dict[str, Any], depth: int = 0) -> list[str]:
        if depth > 8:
            return []
        if "$ref" in schema:
            return tags(schemas[schema["$ref"].rsplit("/", 1)[-1]], depth + 1)
        found = list(schema.get("properties", {}).get("type", {}).get("enum", []))
        for part in schema.get("allOf", []):
            found += tags(part, depth + 1)
        return found

    for schema in schemas.values():
        discriminator = schema.get("discriminator") if isinstance(schema, dict) else None
        if not isinstance(discriminator, dict) or "mapping" in discriminator:
            continue
        if discriminator.get("propertyName") != "type":
            continue
        mapping: dict[str, str] = {}
        for branch in schema.get("oneOf", []) + schema.get("anyOf", []):
            if "$ref" in branch:
                for tag in tags(branch):
                    mapping.setdefault(tag, branch["$ref"])
        if mapping:
            discriminator["mapping"] = mapping


def _normalised(spec: dict[str, Any]) -> dict[str, Any]:
    path = ROOT / "scripts" / "normalize_spec.py"
    module_spec = importlib.util.spec_from_file_location("normalize_spec", path)
    assert module_spec is not None
    assert module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    normalised, _converted = module.normalize(spec)
    return normalised  # type: ignore[no-any-return]


SPEC = _normalised(_with_prose_limits(load_full_spec()))
schema = schemathesis.openapi.from_dict(SPEC)
# The examples and fuzzing phases find what matters here; the coverage phase enumerates every
# branch of the 30-way item unions and alone takes minutes.
schema.config.phases.update(phases=["examples", "fuzzing"])
_REGISTRY = referencing.Registry().with_resource(
    "urn:spec", referencing.Resource(contents=SPEC, specification=DRAFT202012)
)


def accepted_data_is_valid(ctx: Any, response: Any, case: Any) -> bool:
    """A 200 means the request was valid: its body matches the spec, its list parameters are in range."""
    if response.status_code != 200:
        return True
    operation = SPEC["paths"][case.operation.path][case.method.lower()]
    if case.body is not NOT_SET and "requestBody" in operation:
        pointer = case.operation.path.replace("~", "~0").replace("/", "~1")
        ref = f"urn:spec#/paths/{pointer}/{case.method.lower()}/requestBody/content/application~1json/schema"
        validator = jsonschema.Draft202012Validator({"$ref": ref}, registry=_REGISTRY)
        error = jsonschema.exceptions.best_match(validator.iter_errors(case.body))
        assert error is None, f"accepted an invalid body: {error}"
    query = case.query or {}
    if "limit" in query:
        assert 1 <= int(query["limit"]) <= 100
    if "order" in query:
        assert query["order"] in ("asc", "desc")
    return True


def error_body_conformance(ctx: Any, response: Any, case: Any) -> bool:
    """Any status but 200 is a 4xx whose body is the spec's ErrorResponse."""
    if response.status_code == 200:
        return True
    assert 400 <= response.status_code < 500, f"status {response.status_code}"
    validate_schema("ErrorResponse", response.json())
    return True


@pytest.fixture(scope="module")
def served() -> Iterator[ThreadedEmulator]:
    """One emulator for the whole module (requests are independent; ids are random)."""
    with ThreadedEmulator(api_key=KEY) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def response_ids(served: ThreadedEmulator) -> list[str]:
    """Stored responses (plain, in a conversation, background ones still running) for the
    ``{response_id}`` operations: random ids alone would only ever exercise the 404."""
    served.script.add(*([{"text": "Pending.", "delay": 600}] * 3))
    bodies: list[dict[str, Any]] = [{"background": True}] * 3
    bodies += [{"input": [{"role": "user", "content": f"m{n}"} for n in range(3)]}] * 6
    ids = []
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}
    for body in bodies:
        data = json.dumps({"model": "m", "input": "x", **body}).encode()
        request = urllib.request.Request(  # noqa: S310 - the emulator's own loopback URL
            served.base_url + "/responses", data=data, headers=headers, method="POST"
        )
        with urllib.request.urlopen(request, timeout=30) as reply:  # noqa: S310
            ids.append(json.loads(reply.read())["id"])
    return ids


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run and every CI Python: no flaky reds
    suppress_health_check=list(HealthCheck),
)
def test_api(case: Any, served: ThreadedEmulator, response_ids: list[str]) -> None:
    """Generated valid and invalid requests: no 5xx, bodies and headers match the spec."""
    generated = (case.path_parameters or {}).get("response_id")
    if isinstance(generated, str):
        # Half the generated ids (deterministically) become a stored response's.
        pick = zlib.crc32(generated.encode())
        if pick % 2 == 0:
            case.path_parameters["response_id"] = response_ids[pick // 2 % len(response_ids)]
    case.call_and_validate(
        base_url=served.base_url,
        headers={"Authorization": f"Bearer {KEY}"},
        excluded_checks=[status_code_conformance, negative_data_rejection],
        additional_checks=[error_body_conformance, accepted_data_is_valid],
    )
