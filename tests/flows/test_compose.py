"""deploy/compose.yaml and deploy/Dockerfile agree with the repository (no Docker needed)."""

from __future__ import annotations

import importlib.util
import re
import shlex
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
PREFECT_YAML = DEPLOY / "prefect.yaml"

SERVICES = {"postgres", "prefect-server", "deploy", "worker", "dask-scheduler", "dask-worker"}
DASK_SERVICES = {"dask-scheduler", "dask-worker"}
OFFLINE_ENV = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "90",
}
DEFAULTED = re.compile(r"^\$\{(?P<name>\w+):-(?P<default>[^}]*)\}")
PORT = re.compile(r"^(?:\d{1,3}(?:\.\d{1,3}){3}:)?\d{1,5}:\d{1,5}(?:/(?:tcp|udp))?$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


@pytest.fixture(scope="module")
def services(compose) -> dict[str, dict[str, Any]]:
    return compose["services"]


@pytest.fixture(scope="module")
def prefect_spec() -> dict[str, Any]:
    return yaml.safe_load(PREFECT_YAML.read_text())


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return DOCKERFILE.read_text()


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return env


def command(service: dict[str, Any]) -> str:
    cmd = service.get("command", "")
    return " ".join(cmd) if isinstance(cmd, list) else cmd


def command_lines(service: dict[str, Any]) -> list[list[str]]:
    """The command as shell words, one list per line (a `sh -c` script has several)."""
    return [shlex.split(line) for line in command(service).splitlines() if line.strip()]


def with_defaults(value: str) -> str:
    """`${VAR:-default}` as Compose reads it with VAR unset."""
    return DEFAULTED.sub(lambda m: m["default"], value)


def mounts(service: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(type, source, target) of each entry under `volumes`, short or long syntax."""
    found = []
    for entry in service.get("volumes", []):
        if isinstance(entry, str):
            source, target = entry.split(":")[:2]
            source = with_defaults(source)
            kind = "bind" if source.startswith(("/", ".", "~")) else "volume"
        else:
            kind, source, target = entry["type"], with_defaults(entry["source"]), entry["target"]
        found.append((kind, source, target))
    return found


def dockerfile_stages(text: str) -> dict[str, str]:
    return {
        m["name"]: m["base"]
        for m in re.finditer(r"^FROM\s+(?P<base>\S+)\s+AS\s+(?P<name>\S+)", text, re.M | re.I)
    }


def stage_body(text: str, stage: str) -> str:
    """The instructions of one stage: from its FROM line to the next."""
    return text.split(f" AS {stage}\n", 1)[1].split("\nFROM ", 1)[0]


def workdir(text: str) -> str:
    (path,) = set(re.findall(r"^WORKDIR\s+(\S+)", text, re.M))
    return path


def test_the_services_exist_and_there_is_no_version_key(compose, services):
    assert not SERVICES - set(services), SERVICES - set(services)
    assert "version" not in compose


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_build_points_at_a_dockerfile_and_stage_in_the_repo(services, name, dockerfile):
    service = services[name]
    if "build" not in service:
        image = service["image"]
        assert re.fullmatch(r"[\w./-]+:[\w.-]+", image), f"{name}: a public image, with a tag"
        assert not image.endswith(":latest")
        return
    build = service["build"]
    context = (COMPOSE.parent / build["context"]).resolve()
    assert context == ROOT, f"{name}: the build context is the repository root"
    assert (context / build["dockerfile"]).resolve() == DOCKERFILE.resolve()
    assert build["target"] in dockerfile_stages(dockerfile)
    assert service["image"].startswith("newslake:"), f"{name}: names the image it builds"


def test_services_sharing_an_image_build_it_the_same_way(services):
    builds: dict[str, dict[str, Any]] = {}
    for name, service in services.items():
        if "build" in service:
            assert builds.setdefault(service["image"], service["build"]) == service["build"], name


def test_every_depends_on_names_a_service_that_starts_with_it(services):
    for name, service in services.items():
        depends = service.get("depends_on", {})
        for dependency in depends:
            assert dependency in services, f"{name} depends on undefined {dependency}"
            assert set(services[dependency].get("profiles", [])) <= set(
                service.get("profiles", [])
            ), f"{name} depends on {dependency}, which is only in a profile"
            if isinstance(depends, dict):
                condition = depends[dependency]["condition"]
                assert condition in {
                    "service_started",
                    "service_healthy",
                    "service_completed_successfully",
                }
                if condition == "service_healthy":
                    assert "healthcheck" in services[dependency], dependency


def test_the_worker_polls_the_pool_the_deployments_name(services, prefect_spec):
    pools = {d["work_pool"]["name"] for d in prefect_spec["deployments"]}
    (pool,) = pools
    (argv,) = command_lines(services["worker"])
    assert argv[:3] == ["prefect", "worker", "start"]
    assert argv[argv.index("--pool") + 1] == pool


def test_deploy_creates_that_pool_as_a_process_pool(services, prefect_spec):
    (pool,) = {d["work_pool"]["name"] for d in prefect_spec["deployments"]}
    words = [w for line in command_lines(services["deploy"]) for w in line]
    at = words.index("create")
    assert words[at - 1 : at + 2] == ["work-pool", "create", pool]
    assert words[words.index("--type", at) + 1] == "process"
    assert services["deploy"].get("restart") == "no"


def test_every_prefect_deploy_uses_deploy_prefect_yaml(services, dockerfile):
    deploys = [
        (name, argv)
        for name, service in services.items()
        for argv in command_lines(service)
        if argv[:1] == ["prefect"] and "deploy" in argv
    ]
    assert deploys, "no service runs `prefect deploy`"
    copied = re.findall(r"^COPY\s+(?:--\S+\s+)*(.+)$", dockerfile, re.M)
    for name, argv in deploys:
        assert "--all" in argv and "--no-prompt" in argv, name
        path = argv[argv.index("--prefect-file") + 1]
        assert (ROOT / path).resolve() == PREFECT_YAML.resolve(), name
        assert PREFECT_YAML.is_file()
        assert any(path in line.split() for line in copied), f"the image lacks {path}"


def test_the_image_holds_each_deployment_entrypoint(prefect_spec, dockerfile):
    # Entrypoints name modules of the package, which the image installs from its wheel.
    assert re.search(r"^COPY --from=builder\s", stage_body(dockerfile, "base"), re.M)
    for deployment in prefect_spec["deployments"]:
        module, _, name = deployment["entrypoint"].partition(":")
        assert module.startswith("newslake."), deployment["entrypoint"]
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.origin is not None, module
        assert f"def {name}(" in Path(spec.origin).read_text()


def test_the_runs_start_where_the_code_and_config_are(services, prefect_spec, dockerfile):
    directory = prefect_spec["pull"][0]["prefect.deployments.steps.set_working_directory"]
    (placeholder,) = re.findall(r"\{\{\s*\$(\w+)\s*\}\}", directory["directory"])
    home = workdir(stage_body(dockerfile, "base"))
    for name in ("deploy", "worker"):
        assert environment(services[name])[placeholder] == home, name
    (config_path,) = {d["parameters"]["config_path"] for d in prefect_spec["deployments"]}
    binds = {
        target: source for kind, source, target in mounts(services["worker"]) if kind == "bind"
    }
    source = binds[str(PurePosixPath(home) / config_path)]
    assert (COMPOSE.parent / source).resolve().is_file(), "the default config is in the repo"


def test_the_worker_writes_the_lake_to_its_named_volume(services):
    worker = services["worker"]
    volumes = {source: target for kind, source, target in mounts(worker) if kind == "volume"}
    assert environment(worker)["NEWSLAKE__LAKE"] == volumes["lake"]


def test_clients_reach_the_server_by_service_name_and_port(services):
    server = services["prefect-server"]
    argv = command_lines(server)[0]
    assert argv[:3] == ["prefect", "server", "start"]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    port = argv[argv.index("--port") + 1]
    assert any(p.endswith(f":{port}") for p in server["ports"])
    for name in ("deploy", "worker"):
        url = environment(services[name])["PREFECT_API_URL"]
        assert url == f"http://prefect-server:{port}/api", name
    check = " ".join(server["healthcheck"]["test"])
    assert f":{port}/api/health" in check


def test_every_named_volume_is_declared(compose, services):
    declared = set(compose.get("volumes") or {})
    used = {
        source
        for service in services.values()
        for kind, source, _ in mounts(service)
        if kind == "volume"
    }
    assert used, "no named volumes"
    assert used <= declared, used - declared
    assert declared <= used, f"declared but unused: {declared - used}"


def test_the_dask_services_are_only_in_the_dask_profile(services, dockerfile):
    for name, service in services.items():
        if name in DASK_SERVICES:
            assert service.get("profiles") == ["dask"], name
            stage = service["build"]["target"]
            body = dockerfile.split(f" AS {stage}", 1)[1].split("\nFROM ", 1)[0]
            assert re.search(r"pip install -c constraints\.txt .*prefect-dask", body), name
        else:
            assert "profiles" not in service, f"{name} would not start by default"
    assert command_lines(services["dask-scheduler"])[0][:2] == ["dask", "scheduler"]
    assert command_lines(services["dask-worker"])[0] == [
        "dask",
        "worker",
        "tcp://dask-scheduler:8786",
    ]


def test_ports_are_quoted_host_to_container_strings(services):
    ports = [p for service in services.values() for p in service.get("ports", [])]
    assert ports
    for port in ports:
        assert isinstance(port, str) and PORT.match(port), port
    assert "postgres" not in {n for n, s in services.items() if s.get("ports")}


def test_the_image_installs_only_the_wheel_its_builder_stage_makes(dockerfile):
    stages = dockerfile_stages(dockerfile)
    assert stages["builder"].startswith("python:3.11-slim")
    assert stages["base"].startswith("python:3.11-slim"), "not built on top of the builder"
    builder, base = stage_body(dockerfile, "builder"), stage_body(dockerfile, "base")
    assert re.search(r"^RUN python -m build --wheel --outdir (\S+) \.$", builder, re.M)
    copied = {
        PurePosixPath(src).parts[0]
        for line in re.findall(r"^COPY\s+(.+)$", builder, re.M)
        for src in line.split()[:-1]
    }
    # src/newslake's symlinks resolve inside the build context only if their targets come too.
    for link in (ROOT / "src" / "newslake").iterdir():
        if link.is_symlink():
            assert link.resolve().relative_to(ROOT).parts[0] in copied, link.name
    assert {"src", "pyproject.toml", "README.md"} <= copied

    (wheels,) = re.findall(r"^COPY --from=builder (\S+) (\S+)$", base, re.M)
    pip = re.findall(r"pip install ([^\\&\n]+)", base)
    assert pip[0].split() == ["-U", "pip"], "pip is upgraded first"
    assert pip[1].split() == ["-c", "constraints.txt", f"{wheels[1]}newslake-*.whl"]
    assert "prefect==3.8.8" in (ROOT / "constraints.txt").read_text().split()
    # No sources and no build tools in the image; it runs as a user without root.
    for line in re.findall(r"^COPY\s+(?!--from)(.+)$", base, re.M):
        assert not {"src", "flows", "transforms", "warehouse"} & {
            PurePosixPath(src).parts[0] for src in line.split()[:-1]
        }, line
    assert not re.search(r"pip install .*\bbuild\b|apt-get", base)
    users = re.findall(r"^USER\s+(\S+)", base, re.M)
    assert users and users[-1] == "newslake"
    for key, value in OFFLINE_ENV.items():
        assert re.search(rf"\b{key}={value}\b", base), key


@pytest.mark.parametrize("name", ["prefect-server", "deploy", "worker"])
def test_prefect_runs_offline(services, name):
    env = environment(services[name])
    assert {k: env.get(k) for k in OFFLINE_ENV} == OFFLINE_ENV


def test_the_server_uses_postgres_with_the_one_dev_password(services):
    postgres = services["postgres"]
    assert postgres["image"] == "postgres:16"
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    pg = environment(postgres)
    url = environment(services["prefect-server"])["PREFECT_API_DATABASE_CONNECTION_URL"]
    match = re.fullmatch(r"postgresql\+asyncpg://(\w+):(.+)@postgres:5432/(\w+)", url)
    assert match, url
    assert match[1] == pg["POSTGRES_USER"] and match[3] == pg["POSTGRES_DB"]
    assert match[2] == pg["POSTGRES_PASSWORD"]
    assert DEFAULTED.fullmatch(pg["POSTGRES_PASSWORD"]), "read from POSTGRES_PASSWORD"
    assert services["prefect-server"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_no_secret_is_written_into_the_file(services):
    for name, service in services.items():
        for key, value in environment(service).items():
            if re.search(r"PASSWORD|SECRET|TOKEN|KEY", key):
                assert DEFAULTED.fullmatch(str(value)), f"{name}: {key} must come from the env"
            assert not re.search(r"://\w+:(?!\$\{)[^@/]+@", str(value)), f"{name}: {key}"
