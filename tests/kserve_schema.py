"""A JSON schema of KServe's InferenceService (`serving.kserve.io/v1beta1`), written from its
documented fields, for validating deploy/kubernetes/ offline (tests/test_manifests.py): the
Kubernetes parts refer to the definitions that kubernetes-validate bundles."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import kubernetes_validate

DEFINITIONS_ID = "https://kubernetes.io/api/_definitions.json"
OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"


def kubernetes_definitions() -> dict[str, Any]:
    """The Kubernetes object definitions kubernetes-validate bundles (strict: no unknown fields)."""
    folder = f"v{kubernetes_validate.latest_version()}-local-strict"
    path = resources.files("kubernetes_validate") / "kubernetes-json-schema" / folder
    return json.loads((path / "_definitions.json").read_text())


def k8s(name: str) -> dict[str, str]:
    """A reference to a bundled Kubernetes definition, e.g. `core.v1.Container`."""
    return {"$ref": f"{DEFINITIONS_ID}#/$defs/io.k8s.api.{name}"}


def inference_service_schema(definitions: dict[str, Any]) -> dict[str, Any]:
    """KServe v1beta1 InferenceService with a custom predictor, from KServe's API reference."""
    # PodSpec's own references are relative to the definitions file; make them absolute.
    pod_spec_text = json.dumps(definitions["$defs"]["io.k8s.api.core.v1.PodSpec"])
    pod_spec = json.loads(pod_spec_text.replace('"#/$defs/', f'"{DEFINITIONS_ID}#/$defs/'))
    # A custom predictor is a PodSpec inline (containers, volumes, securityContext, ...) plus
    # KServe's ComponentExtensionSpec fields; framework fields (sklearn, model, ...) are absent.
    component_extension = {
        "minReplicas": {"type": "integer", "minimum": 0},
        "maxReplicas": {"type": "integer", "minimum": 0},
        "scaleTarget": {"type": "integer", "minimum": 1},
        "scaleMetric": {"enum": ["cpu", "memory", "concurrency", "rps"]},
        "containerConcurrency": {"type": "integer", "minimum": 0},
        "timeout": {"type": "integer", "minimum": 0},
        "canaryTrafficPercent": {"type": "integer", "minimum": 0, "maximum": 100},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
    }
    predictor = {
        "type": "object",
        "required": ["containers"],
        "additionalProperties": False,
        "properties": {
            **pod_spec["properties"],
            **component_extension,
            "containers": {"type": "array", "minItems": 1, "items": k8s("core.v1.Container")},
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "additionalProperties": False,
        "properties": {
            "apiVersion": {"const": "serving.kserve.io/v1beta1"},
            "kind": {"const": "InferenceService"},
            "metadata": {
                "allOf": [
                    {"$ref": f"{DEFINITIONS_ID}#/$defs/{OBJECT_META}"},
                    # KServe's own rule for the name (a DNS-1035 label).
                    {
                        "required": ["name"],
                        "properties": {
                            "name": {"pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}
                        },
                    },
                ]
            },
            "spec": {
                "type": "object",
                "required": ["predictor"],
                "additionalProperties": False,
                "properties": {
                    "predictor": predictor,
                    "transformer": {"type": "object"},
                    "explainer": {"type": "object"},
                },
            },
        },
    }
