"""Our models are optional wherever the official SDK is and the spec is not, or say why not.

``scripts/compare_openai_optional.py`` lists the fields openai 3.57 types as optional although the
spec requires them; ``scripts/generate_models.py`` holds our decision for each one.
"""

from __future__ import annotations

import sys
from pathlib import Path

import attrs
import pytest

from conversations_sdk import models

pytest.importorskip("openai", reason="the comparison reads the installed openai SDK's types")

SCRIPTS = Path(__file__).resolve().parent.parent.parent / "scripts"
sys.path.insert(0, str(SCRIPTS))

import compare_openai_optional  # noqa: E402
import generate_models  # noqa: E402


def test_every_difference_is_followed_or_explained() -> None:
    """Each optional-in-openai, required-in-spec field is optional here or has a written reason."""
    found = compare_openai_optional.differences()
    assert found, "no difference found: the comparison would pass vacuously"
    decided = generate_models.OPTIONAL_AS_IN_OPENAI | set(generate_models.KEPT_REQUIRED)
    assert set(found) == decided, {
        "undecided": sorted(set(found) - decided),
        "stale": sorted(decided - set(found)),
    }
    for cls_name, field in generate_models.OPTIONAL_AS_IN_OPENAI:
        attribute = attrs.fields_dict(getattr(models, cls_name))[field]
        assert attribute.default is None, f"{cls_name}.{field} should be optional"
    for (cls_name, field), reason in generate_models.KEPT_REQUIRED.items():
        attribute = attrs.fields_dict(getattr(models, cls_name))[field]
        assert attribute.default is not None, f"{cls_name}.{field} should be required"
        assert len(reason) > 20, f"{cls_name}.{field}: the reason must say something"


def test_output_text_without_logprobs_is_not_a_deviation() -> None:
    """The best-known case (openai/openai-openapi#433): read strictly, without any issue."""
    body = {"type": "output_text", "text": "hi", "annotations": []}
    part = models.OutputTextContent.from_dict(body, strict=True)
    assert part.logprobs is None
    assert part.validation_issues == ()
