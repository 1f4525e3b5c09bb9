"""deploy/ parses, hangs together, and only names metrics the worker exports.

(The same metric check against a real running worker is in test_worker_metrics.py.)
"""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from deploy_files import (
    DEPLOY,
    SYNTHETIC_METRICS,
    alert_rules,
    dashboard,
    dashboard_exprs,
    metric_names,
    referenced_metrics,
)
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from worker.config import Settings
from worker.dedup.metrics import DedupMetrics
from worker.ops.metrics import OutputTopics, PrometheusObserver


def load_yaml_documents(relative: str) -> list[dict[str, object]]:
    return [doc for doc in yaml.safe_load_all((DEPLOY / relative).read_text()) if doc]


def k8s(kind: str) -> dict[str, object]:
    for path in sorted((DEPLOY / "k8s").glob("*.yaml")):
        for document in load_yaml_documents(f"k8s/{path.name}"):
            if document.get("kind") == kind:
                return document
    raise AssertionError(f"no {kind} in deploy/k8s")


def test_promql_metric_name_extraction() -> None:
    expr = (
        'sum by (topic) (rate(chaff_a_total{stage=~"x|y", job="chaff"}[5m])) / '
        "on(instance) group_left max(chaff_b) > bool 0.5 and absent(up) "
        "unless histogram_quantile(0.9, sum by (le) (rate(chaff_c_bucket[$__rate_interval])))"
        " - time() offset 5m"
    )
    assert metric_names(expr) == {"chaff_a_total", "chaff_b", "up", "chaff_c_bucket"}


@pytest.mark.parametrize(
    "relative",
    [
        "docker-compose.yml",
        "prometheus/prometheus.yml",
        "prometheus/alerts.yml",
        "grafana/provisioning/datasources/prometheus.yml",
        "grafana/provisioning/dashboards/chaff.yml",
        "k8s/configmap.yaml",
        "k8s/deployment.yaml",
        "k8s/pdb.yaml",
        "k8s/keda-scaledobject.yaml",
        "k8s/kustomization.yaml",
    ],
)
def test_yaml_parses(relative: str) -> None:
    assert load_yaml_documents(relative), relative


def test_dashboard_covers_the_required_views() -> None:
    board = dashboard()
    assert board["uid"] == "chaff-worker"
    titles = " | ".join(panel["title"].lower() for panel in board["panels"])
    for topic in ("throughput", "lag", "latency", "reject", "dead letters by reason"):
        assert topic in titles
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))


def test_every_alert_has_severity_duration_and_runbook() -> None:
    rules = alert_rules()
    names = {rule["alert"] for rule in rules}
    assert {
        "ChaffWorkerDown",
        "ChaffConsumerLagGrowing",
        "ChaffNoProgress",
        "ChaffDeadLetterRateHigh",
        "ChaffKafkaErrors",
    } <= names
    for rule in rules:
        assert rule["labels"]["severity"] in {"page", "ticket"}, rule["alert"]
        assert rule["for"], rule["alert"]
        assert len(rule["annotations"]["runbook"]) > 40, rule["alert"]


def test_dashboard_and_alerts_name_only_metrics_the_observer_exports() -> None:
    observer = PrometheusObserver(OutputTopics("a", "r", "d"), "m")
    # Per-partition series exist once a partition is assigned, as in any running worker.
    observer.on_assigned([("raw", 0)])
    observer.on_lag({("raw", 0): 0})
    observer.on_committed({("raw", 0): 1})
    dedup = DedupMetrics(None)  # `chaff dedup`'s metrics (its own panels and alert)
    dedup.verdict("duplicate", again=False)
    dedup.verdict("unique", again=True)
    dedup.article_read()
    dedup.lag({"pages.articles": 0})
    exported = {
        s.name
        for registry in (observer.registry, dedup.registry)
        for f in text_string_to_metric_families(generate_latest(registry).decode())
        for s in f.samples
    }
    used = referenced_metrics()
    assert len(used) >= 15
    missing = {name: where for name, where in used.items() if name not in exported}
    assert set(missing) <= SYNTHETIC_METRICS, missing
    assert any("chaff_consumer_lag_records" in expr for expr in dashboard_exprs())


def test_configmap_sets_only_real_settings() -> None:
    known = {spec.metadata["env"] for spec in dataclasses.fields(Settings)}
    data = k8s("ConfigMap")["data"]
    assert isinstance(data, dict)
    assert set(data) <= known, set(data) - known
    assert data["CHAFF_PROCESSES"] == "1"


def test_deployment_probes_and_resources() -> None:
    deployment = k8s("Deployment")
    spec = deployment["spec"]
    assert isinstance(spec, dict)
    container = spec["template"]["spec"]["containers"][0]
    port = int(k8s("ConfigMap")["data"]["CHAFF_METRICS_PORT"])  # type: ignore[index]
    assert container["ports"][0]["containerPort"] == port
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"]["cpu"]
    assert container["resources"]["requests"]["memory"]
    assert spec["template"]["spec"]["securityContext"]["runAsNonRoot"] is True
    assert spec["strategy"]["rollingUpdate"]["maxSurge"] == 0
    shutdown = float(k8s("ConfigMap")["data"]["CHAFF_SHUTDOWN_TIMEOUT_S"])  # type: ignore[index]
    assert spec["template"]["spec"]["terminationGracePeriodSeconds"] > shutdown


def test_pdb_selects_the_deployment_pods() -> None:
    pdb = k8s("PodDisruptionBudget")["spec"]
    pods = k8s("Deployment")["spec"]["template"]["metadata"]["labels"]  # type: ignore[index]
    assert pdb["maxUnavailable"] == 1  # type: ignore[index]
    assert pdb["selector"]["matchLabels"].items() <= pods.items()  # type: ignore[index]


def test_keda_scales_the_same_group_up_to_the_partition_count() -> None:
    scaled = k8s("ScaledObject")
    config = k8s("ConfigMap")["data"]
    partitions = int(scaled["metadata"]["annotations"]["chaff.dev/raw-topic-partitions"])  # type: ignore[index]
    spec = scaled["spec"]
    assert isinstance(spec, dict) and isinstance(config, dict)
    assert spec["scaleTargetRef"]["name"] == k8s("Deployment")["metadata"]["name"]  # type: ignore[index]
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= partitions
    [trigger] = spec["triggers"]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == config["CHAFF_GROUP_ID"]
    assert trigger["metadata"]["topic"] == config["CHAFF_RAW_TOPIC"]
    assert int(trigger["metadata"]["lagThreshold"]) > 0
    compose_init = (DEPLOY / "docker-compose.yml").read_text()
    assert f"--topic pages.raw --partitions {partitions}" in compose_init


def test_compose_stack_has_every_service_and_mounts_the_dashboard() -> None:
    [compose] = load_yaml_documents("docker-compose.yml")
    services = compose["services"]
    assert isinstance(services, dict)
    assert {"kafka", "topics", "worker", "prometheus", "grafana"} <= set(services)
    assert services["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert services["worker"]["build"]["dockerfile"] == "deploy/Dockerfile"
    assert "./grafana/dashboards:/var/lib/grafana/dashboards:ro" in services["grafana"]["volumes"]
    worker_scrape, dedup_scrape = load_yaml_documents("prometheus/prometheus.yml")[0][
        "scrape_configs"
    ]  # type: ignore[misc]
    assert worker_scrape["job_name"] == "chaff"  # the alert rules select job="chaff"
    port = services["dedup"]["environment"]["CHAFF_DEDUP_METRICS_PORT"]
    assert dedup_scrape["static_configs"][0]["targets"] == [f"dedup:{port}"]


def test_dockerfile_is_multi_stage_and_non_root() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert dockerfile.count("\nFROM ") >= 2
    assert "\nUSER 10001" in dockerfile
    assert "worker.core" in dockerfile and "models" in dockerfile  # the model is checked in


def test_the_image_build_gets_every_file_the_package_build_reads() -> None:
    """No Docker engine here to build the image: at least the build stage must copy, and the
    dockerignore let through, what `pip wheel .` reads (setup.py compiles the kernels)."""
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text().split()
    for needed in ("pyproject.toml", "setup.py", "README.md", "worker"):
        assert needed in dockerfile, needed
        assert f"!{needed}" in ignore or f"!{needed}/" in ignore, needed
    assert "import worker.core._kernels" in dockerfile  # a kernel-less wheel fails the build


def test_compose_runs_the_sitestats_job_from_the_worker_image() -> None:
    [compose] = load_yaml_documents("docker-compose.yml")
    services = compose["services"]
    assert isinstance(services, dict)
    sitestats, worker = services["sitestats"], services["worker"]
    assert sitestats["image"] == worker["image"] and sitestats["command"] == ["sitestats"]
    assert sitestats["healthcheck"] == {"disable": True}  # no /healthz in the faust job
    assert sitestats["environment"]["CHAFF_BOOTSTRAP_SERVERS"] == "kafka:19092"
