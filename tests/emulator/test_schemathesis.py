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
import os
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
from spec_validation import ROOT, load_spec, validate_schema  # noqa: E402

from conversations_sdk.emulator import ThreadedEmulator  # noqa: E402

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
    return spec


def _normalised(spec: dict[str, Any]) -> dict[str, Any]:
    path = ROOT / "scripts" / "normalize_spec.py"
    module_spec = importlib.util.spec_from_file_location("normalize_spec", path)
    assert module_spec is not None
    assert module_spec.loader is not None
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    normalised, _converted = module.normalize(spec)
    return normalised  # type: ignore[no-any-return]


SPEC = _normalised(_with_prose_limits(load_spec()))
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


@pytest.mark.slow
@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=True,  # the same cases on every run and every CI Python: no flaky reds
    suppress_health_check=list(HealthCheck),
)
def test_api(case: Any, served: ThreadedEmulator) -> None:
    """Generated valid and invalid requests: no 5xx, bodies and headers match the spec."""
    case.call_and_validate(
        base_url=served.base_url,
        headers={"Authorization": f"Bearer {KEY}"},
        excluded_checks=[status_code_conformance, negative_data_rejection],
        additional_checks=[error_body_conformance, accepted_data_is_valid],
    )
