"""docker-compose.yml: valid against the Compose specification, and what a schema cannot check."""

import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = ROOT / "docker-compose.yml"


def test_compose_file_matches_the_compose_spec():
    checker = Path(sys.executable).parent / "check-jsonschema"
    result = subprocess.run(
        [str(checker), "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _services():
    return yaml.safe_load(COMPOSE.read_text())["services"]


def test_compose_runs_db_redis_web_worker_beat_each_with_a_healthcheck():
    services = _services()
    assert {"db", "redis", "web", "worker", "beat"} <= set(services)
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no healthcheck"


def test_every_depends_on_names_a_service():
    services = _services()
    for name, service in services.items():
        for dep in service.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown service {dep}"


def test_exactly_one_beat_and_no_embedded_beat_in_workers():
    services = _services()
    beats = [n for n, s in services.items() if "beat" in " ".join(map(str, s.get("command", [])))]
    assert beats == ["beat"]
    assert services["beat"].get("deploy", {}).get("replicas", 1) == 1
    for name, service in services.items():
        assert "-B" not in service.get("command", []), name
