"""The Kubernetes manifests in deploy/kubernetes/ validate, offline, and agree with the image.

Two validators, each for what it can check:
- `kubernetes-validate` checks the Deployment, Service and HorizontalPodAutoscaler against the
  Kubernetes OpenAPI schemas it bundles, in strict mode (unknown fields are errors), for the
  oldest and the newest Kubernetes version it ships.
- The KServe InferenceService is a custom resource those schemas do not know. `jsonschema`
  checks it against `inference_service_schema()` (tests/kserve_schema.py), written from
  KServe's documented `serving.kserve.io/v1beta1` fields (ComponentExtensionSpec's replicas
  and scaling fields, plus the inline PodSpec of a custom predictor), whose containers,
  volumes and security context are checked against the same bundled Kubernetes definitions.
Where `kubectl` is installed, `kubectl kustomize` (offline) also builds the kustomization.
The remaining tests check what no schema knows: that the probes hit real routes, that ports,
user and paths match the Dockerfile, and that no secret is written into a manifest.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from fastapi.testclient import TestClient
from kubernetes_validate.utils import all_versions
from referencing import Registry, Resource

from tests.conftest import ROOT
from tests.kserve_schema import inference_service_schema, kubernetes_definitions

MANIFESTS = ROOT / "deploy" / "kubernetes"
DOCKERFILE = (ROOT / "Dockerfile").read_text()
KUBERNETES_VERSIONS = sorted({all_versions()[0], kubernetes_validate.latest_version()})


def load(name: str) -> dict[str, Any]:
    (document,) = list(yaml.safe_load_all((MANIFESTS / name).read_text()))
    return document


@pytest.fixture(scope="module")
def kserve_validator() -> jsonschema.protocols.Validator:
    definitions = kubernetes_definitions()
    registry = Resource.from_contents(definitions) @ Registry()
    return jsonschema.Draft202012Validator(inference_service_schema(definitions), registry=registry)


# --- schema validation ----------------------------------------------------------------------


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("name", ["deployment.yaml", "service.yaml", "hpa.yaml"])
def test_kubernetes_manifest_validates_strictly(name: str, version: str) -> None:
    assert kubernetes_validate.validate(load(name), version, strict=True)


def test_kserve_inference_service_validates(kserve_validator) -> None:
    errors = [
        error.message
        for error in kserve_validator.iter_errors(load("kserve-inferenceservice.yaml"))
    ]
    assert errors == []


PREDICTOR = ("spec", "predictor")
CONTAINER = (*PREDICTOR, "containers", 0)


@pytest.mark.parametrize(
    ("path", "value", "complaint"),
    [
        ((*PREDICTOR, "scaleMetric"), "gpu", "'gpu' is not one of"),
        ((*PREDICTOR, "sklearn"), {"storageUri": "s3://x"}, "'sklearn' was unexpected"),
        ((*CONTAINER, "imag"), "x", "'imag' was unexpected"),
        ((*CONTAINER, "ports", 0, "containerPort"), "8000", "is not of type 'integer'"),
        ((*CONTAINER, "readinessProbe", "httpGet", "port"), None, "'port' is a required"),
        ((*PREDICTOR, "containers"), None, "'containers' is a required"),
        (("metadata", "name"), "CGPA", "does not match"),
    ],
    ids=["scale-metric", "framework", "typo", "port-type", "probe-port", "no-containers", "name"],
)
def test_kserve_schema_catches_mistakes(kserve_validator, path, value, complaint: str) -> None:
    # The schema is ours, so prove it refuses what KServe would (None removes the field).
    isvc = load("kserve-inferenceservice.yaml")
    node = isvc
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    messages = [error.message for error in kserve_validator.iter_errors(isvc)]
    assert any(complaint in message for message in messages), messages


def test_kubernetes_validate_catches_an_unknown_field() -> None:
    deployment = load("deployment.yaml")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSIONS[-1], strict=True)


def test_kustomization_lists_existing_files() -> None:
    kustomization = load("kustomization.yaml")
    assert kustomization["resources"] == ["deployment.yaml", "service.yaml", "hpa.yaml"]
    assert all((MANIFESTS / name).is_file() for name in kustomization["resources"])


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")
def test_kustomize_builds_the_three_objects_and_they_validate() -> None:
    # `kubectl kustomize` runs offline (no cluster): it proves the kustomization builds.
    built = subprocess.run(
        ["kubectl", "kustomize", str(MANIFESTS)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")},
    )
    documents = list(yaml.safe_load_all(built.stdout))
    kinds = sorted(document["kind"] for document in documents)
    assert kinds == ["Deployment", "HorizontalPodAutoscaler", "Service"]
    for document in documents:
        assert kubernetes_validate.validate(document, KUBERNETES_VERSIONS[-1], strict=True)


# --- what no schema knows -------------------------------------------------------------------


def predictor_containers() -> list[dict[str, Any]]:
    deployment = load("deployment.yaml")["spec"]["template"]["spec"]["containers"]
    kserve = load("kserve-inferenceservice.yaml")["spec"]["predictor"]["containers"]
    return [deployment[0], kserve[0]]


def dockerfile_value(pattern: str) -> str:
    match = re.search(pattern, DOCKERFILE)
    assert match, pattern
    return match.group(1)


@pytest.mark.parametrize("container", predictor_containers(), ids=["deployment", "kserve"])
def test_container_matches_the_image(container: dict[str, Any]) -> None:
    assert container["image"] == "cgpa-predictor:latest"
    assert container["ports"][0]["containerPort"] == int(dockerfile_value(r"EXPOSE (\d+)"))
    env = {variable["name"]: variable for variable in container["env"]}
    assert env["CGPA_MODEL_PATH"]["value"] == dockerfile_value(r"CGPA_MODEL_PATH=(\S+)")
    assert container["securityContext"]["runAsUser"] == int(dockerfile_value(r"USER (\d+)"))


@pytest.mark.parametrize("container", predictor_containers(), ids=["deployment", "kserve"])
def test_container_is_locked_down(container: dict[str, Any]) -> None:
    security = container["securityContext"]
    assert security["runAsNonRoot"] is True
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert {mount["mountPath"] for mount in container["volumeMounts"]} == {"/tmp", "/srv/data"}
    for kind in ("requests", "limits"):
        assert set(container["resources"][kind]) == {"cpu", "memory"}


@pytest.mark.parametrize("container", predictor_containers(), ids=["deployment", "kserve"])
@pytest.mark.parametrize(
    ("variable", "secret_key"),
    [("CGPA_API_KEY", "api-key"), ("CGPA_DATABASE_URL", "database-url"), ("CGPA_ID_KEY", "id-key")],
)
def test_keys_and_the_database_url_come_only_from_an_optional_secret(
    container: dict[str, Any], variable: str, secret_key: str
) -> None:
    (entry,) = [item for item in container["env"] if item["name"] == variable]
    assert "value" not in entry
    reference = entry["valueFrom"]["secretKeyRef"]
    assert reference == {"name": "cgpa-predictor", "key": secret_key, "optional": True}


def test_tmp_and_the_default_store_are_empty_dirs() -> None:
    pod = load("deployment.yaml")["spec"]["template"]["spec"]
    kserve = load("kserve-inferenceservice.yaml")["spec"]["predictor"]
    for volumes in (pod["volumes"], kserve["volumes"]):
        assert {volume["name"] for volume in volumes} == {"tmp", "data"}
        assert all("emptyDir" in volume for volume in volumes)


@pytest.mark.parametrize("container", predictor_containers(), ids=["deployment", "kserve"])
def test_the_default_store_is_written_where_the_image_keeps_it(container: dict[str, Any]) -> None:
    # The default SQLite file is data/ under the WORKDIR: that folder must be a volume, or a
    # read-only root filesystem stops startup when the key file cannot be made.
    (workdir,) = re.findall(r"^WORKDIR (\S+)", DOCKERFILE, re.MULTILINE)
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    assert mounts["data"] == f"{workdir}/data"


@pytest.mark.parametrize("container", predictor_containers(), ids=["deployment", "kserve"])
def test_probes_hit_routes_that_answer_200(client: TestClient, container: dict[str, Any]) -> None:
    probes = [
        container[key]
        for key in ("readinessProbe", "livenessProbe", "startupProbe")
        if key in container
    ]
    assert {"readinessProbe", "livenessProbe"} <= set(container)
    port_names = {port["name"]: port["containerPort"] for port in container["ports"]}
    for probe in probes:
        target = probe["httpGet"]
        assert (
            port_names.get(target["port"], target["port"]) == container["ports"][0]["containerPort"]
        )
        response = client.get(target["path"])
        assert response.status_code == 200, target["path"]
    assert "ready" in container["readinessProbe"]["httpGet"]["path"]
    assert "live" in container["livenessProbe"]["httpGet"]["path"]


def test_kserve_and_deployment_run_the_same_container() -> None:
    deployment, kserve = predictor_containers()
    for key in ("image", "env", "resources", "securityContext"):
        assert deployment[key] == kserve[key], key
    assert kserve["name"] == "kserve-container"


def test_service_routes_to_the_deployment_pods() -> None:
    deployment, service = load("deployment.yaml"), load("service.yaml")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= pod_labels.items()
    assert deployment["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    port_names = {
        port["name"] for port in deployment["spec"]["template"]["spec"]["containers"][0]["ports"]
    }
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= port_names


def test_autoscalers_scale_on_cpu_within_sane_bounds() -> None:
    hpa, deployment = load("hpa.yaml"), load("deployment.yaml")
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": deployment["apiVersion"],
        "kind": deployment["kind"],
        "name": deployment["metadata"]["name"],
    }
    (metric,) = hpa["spec"]["metrics"]
    assert metric["resource"]["name"] == "cpu"
    assert 2 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"]
    # CPU utilisation is relative to the request, so the container must declare one.
    assert deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["requests"]["cpu"]
    predictor = load("kserve-inferenceservice.yaml")["spec"]["predictor"]
    assert predictor["scaleMetric"] == "cpu"
    assert 1 <= predictor["minReplicas"] <= predictor["maxReplicas"]
