"""Deployment facts: server limits, poolers, pooler URLs, processes, env, masking and parse problems."""

import json
import random
from pathlib import Path

import pytest

from audit.discover import SourceFile, discover
from audit.facts.deploy import deployment_facts, mask

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def facts(*files: tuple[str, str, str]) -> dict:
    """to_dict() of the facts in (path, kind, text) files."""
    return deployment_facts([SourceFile(path, kind, len(text), text) for path, kind, text in files]).to_dict()


def pick(entries: list[dict], *keys: str) -> list[tuple]:
    return [tuple(e[k] for k in keys) for e in entries]


COMPOSE_ENV = """\
services:
  api:
    environment:
      DB_POOL_MAX: ${DB_MAX:-50}
      WORKERS: ${WORKERS}
      PORT: 8000
  worker:
    environment:
      - QUEUE=jobs
      - FLAG
"""


# -- env ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("files, name, expected", [
    ([(".env.example", "config", "# comment\nexport PORT=5000\n")], "PORT",
     {"value": "5000", "written": "5000", "service": None, "path": ".env.example", "line": 2}),
    ([("backend/.env.sample", "config", "A=1\nNAME=\"quoted value\" # note\n")], "NAME",
     {"value": "quoted value", "written": "quoted value", "service": None, "path": "backend/.env.sample", "line": 2}),
    ([(".env.template", "config", "LOG=info # trailing comment\n")], "LOG",
     {"value": "info", "written": "info", "service": None, "path": ".env.template", "line": 1}),
    ([("docker-compose.yml", "config", COMPOSE_ENV)], "DB_POOL_MAX",  # ${NAME:-default}, NAME unknown
     {"value": "50", "written": "${DB_MAX:-50}", "service": "api", "path": "docker-compose.yml", "line": 4}),
    ([(".env.defaults", "config", "DB_MAX=80\n"), ("docker-compose.yml", "config", COMPOSE_ENV)], "DB_POOL_MAX",
     {"value": "80", "written": "${DB_MAX:-50}", "service": "api", "path": "docker-compose.yml", "line": 4}),
    ([("docker-compose.yml", "config", COMPOSE_ENV)], "WORKERS",  # unresolved indirection
     {"value": None, "written": "${WORKERS}", "service": "api", "path": "docker-compose.yml", "line": 5}),
    ([("docker-compose.yml", "config", COMPOSE_ENV)], "PORT",
     {"value": "8000", "written": "8000", "service": "api", "path": "docker-compose.yml", "line": 6}),
    ([("docker-compose.yml", "config", COMPOSE_ENV)], "QUEUE",  # list form
     {"value": "jobs", "written": "jobs", "service": "worker", "path": "docker-compose.yml", "line": 9}),
    ([("docker-compose.yml", "config", COMPOSE_ENV)], "FLAG",  # list form without a value
     {"value": None, "written": None, "service": "worker", "path": "docker-compose.yml", "line": 10}),
    ([(".env.example", "config", "PORT=1\n"), ("compose.yaml", "config", COMPOSE_ENV)], "PORT",  # compose wins
     {"value": "8000", "written": "8000", "service": "api", "path": "compose.yaml", "line": 6}),
])
def test_env(files, name, expected):
    assert facts(*files)["env"][name] == expected


def test_env_ignores_other_files():
    assert facts((".env.local", "config", "A=1\n"), ("config.ini", "config", "A=1\n"))["env"] == {}


# -- secrets --------------------------------------------------------------------------------------
@pytest.mark.parametrize("name, value, expected", [
    ("DATABASE_URL", "postgresql://user:pw@host:5432/db", "postgresql://user:***@host:5432/db"),
    ("DATABASE_URL", "postgresql+asyncpg://app:p@ss@db/x", "postgresql+asyncpg://app:***@db/x"),
    ("DATABASE_URL", "postgresql://user@host/db", "postgresql://user@host/db"),
    ("DSN", "host=db user=app password=hunter2 dbname=x", "host=db user=app password=*** dbname=x"),
    ("POSTGRES_PASSWORD", "booking", "***"),
    ("JWT_SECRET", "change-me", "***"),
    ("SUPABASE_SERVICE_ROLE_KEY", "eyJhbGciOi", "***"),
    ("GITHUB_TOKEN", "ghp_x", "***"),
    ("DB_PASSWORD_URL", "postgres://a:b@h/d", "postgres://a:***@h/d"),
    ("REDIS_URL", "redis://:pw@cache:6379/0", "redis://:***@cache:6379/0"),
    ("PORT", "5000", "5000"),
    ("API_KEY", "", ""),
    ("CORS_ORIGIN", "http://localhost:3000", "http://localhost:3000"),
])
def test_mask(name, value, expected):
    assert mask(name, value) == expected


SECRETS = ["Sup3rS3cret", "pw-in-url-77", "tok_abc123", "kv-pass-99", "anon-key-xyz", "cmd-pass-55"]


def test_no_secret_survives():
    out = json.dumps(facts(
        (".env.example", "config",
         "DATABASE_URL=postgresql://postgres.ref:pw-in-url-77@aws-0-eu.pooler.supabase.com:6543/postgres\n"
         "SUPABASE_ANON_KEY=anon-key-xyz\nAPI_TOKEN=tok_abc123\nPG_DSN=host=db password=kv-pass-99\n"),
        ("docker-compose.yml", "config",
         "services:\n  db:\n    environment:\n      POSTGRES_PASSWORD: Sup3rS3cret\n"
         "  api:\n    command: gunicorn -w 2 app:app --db postgres://u:cmd-pass-55@db/x\n"
         "    environment:\n      - DATABASE_URL=postgres://u:${POSTGRES_PASSWORD}@db/app\n"),
        ("Procfile", "config", "web: DATABASE_URL=postgres://u:cmd-pass-55@db/x node server.js\n"),
        ("pgbouncer.ini", "config", "[databases]\napp = host=db password=kv-pass-99\n[pgbouncer]\n"),
        ("broken.yaml", "config", "password: Sup3rS3cret\n  bad: [\n"),
        ("pgb/pgbouncer.ini", "config", "password = kv-pass-99\n"),
    ))
    for secret in SECRETS:
        assert secret not in out
    assert '"value": "postgres://u:***@db/app"' in out  # compose's DATABASE_URL, built from a masked password
    assert '"via": "pooler host"' in out


# -- server limits --------------------------------------------------------------------------------
LIMIT_CASES = [
    ("postgresql.conf", "sql", "", []),  # wrong kind is fine: only the name counts for .conf
    ("db/postgresql.conf", "config",
     "# max_connections = 10\nmax_connections = 300  # raised\nsuperuser_reserved_connections = '5'\n",
     [("max_connections", 300, "postgresql.conf", 2), ("superuser_reserved_connections", 5, "postgresql.conf", 3)]),
    ("supabase/migrations/001_tune.sql", "migration_sql",
     "-- ALTER SYSTEM SET max_connections = 1;\nSELECT 1;\nALTER SYSTEM SET max_connections = 250;\n",
     [("max_connections", 250, "alter system", 3)]),
    ("ops/tune.sql", "sql", "alter system set max_connections to '400';", [("max_connections", 400, "alter system", 1)]),
    ("docker-compose.yml", "config",
     "services:\n  db:\n    image: postgres:16\n    command: postgres -c max_connections=150 -c shared_buffers=1GB\n",
     [("max_connections", 150, "compose command", 4)]),
    ("docker-compose.yml", "config",  # list form, env indirection with fallback
     "services:\n  db:\n    command:\n      - postgres\n      - -c\n      - max_connections=${PG_MAX:-200}\n"
     "      - -c\n      - superuser_reserved_connections=3\n",
     [("max_connections", 200, "compose command", 6), ("superuser_reserved_connections", 3, "compose command", 8)]),
    ("docker-compose.prod.yml", "config",
     "services:\n  db:\n    command: [\"postgres\", \"--max-connections=120\"]\n",
     [("max_connections", 120, "compose command", 3)]),
    ("k8s/postgres.yaml", "config",
     "kind: StatefulSet\nspec:\n  template:\n    spec:\n      containers:\n        - name: pg\n"
     "          args: [\"-c\", \"max_connections=500\"]\n",
     [("max_connections", 500, "container args", 7)]),
    ("supabase/config.toml", "config", "[db]\nmajor_version = 15\n\n[db.settings]\nmax_connections = 90\n",
     [("max_connections", 90, "supabase config", 5)]),
]


@pytest.mark.parametrize("path, kind, text, expected", LIMIT_CASES)
def test_server_limits(path, kind, text, expected):
    limits = facts((path, kind, text))["server_limits"]
    assert pick(limits, "setting", "value", "source", "line") == expected
    assert all(e["path"] == path for e in limits)


def test_server_limit_from_env_file():
    [limit] = facts((".env.example", "config", "PG_MAX=333\n"),
                    ("docker-compose.yml", "config", "services:\n  db:\n    command: postgres -c max_connections=$PG_MAX\n")
                    )["server_limits"]
    assert (limit["value"], limit["env"]) == (333, "PG_MAX")


# -- poolers --------------------------------------------------------------------------------------
@pytest.mark.parametrize("path, text, kind, settings, defaults_used, line", [
    ("pgbouncer.ini", "[databases]\n* = host=db\n\n[pgbouncer]\nlisten_port = 6432\n",
     "pgbouncer", {"default_pool_size": 20, "max_client_conn": 100, "pool_mode": "session"},
     ["default_pool_size", "max_client_conn", "pool_mode"], 4),
    ("deploy/pgbouncer.ini", "; comment\n[pgbouncer]\npool_mode = transaction ; inline\ndefault_pool_size = 40\n"
     "max_client_conn = 2000\nreserve_pool_size = 5\n",
     "pgbouncer", {"default_pool_size": 40, "max_client_conn": 2000, "pool_mode": "transaction",
                   "reserve_pool_size": 5}, [], 2),
    ("etc/bouncer.ini", "[pgbouncer]\nmax_client_conn = 500\n",
     "pgbouncer", {"default_pool_size": 20, "max_client_conn": 500, "pool_mode": "session"},
     ["default_pool_size", "pool_mode"], 1),
    ("supabase/config.toml", "[db]\nmajor_version = 15\n\n[db.pooler]\nenabled = true\ndefault_pool_size = 15\n",
     "supabase-pooler", {"enabled": True, "default_pool_size": 15, "pool_mode": "transaction",
                         "max_client_connections": 100, "major_version": 15},
     ["max_client_connections", "pool_mode"], 4),
    ("docker-compose.yml", "services:\n  pgbouncer:\n    image: edoburu/pgbouncer:1.22\n    environment:\n"
     "      POOL_MODE: transaction\n      DEFAULT_POOL_SIZE: ${POOL:-25}\n",
     "pgbouncer", {"default_pool_size": 25, "max_client_conn": 100, "pool_mode": "transaction"},
     ["max_client_conn"], 3),
    ("docker-compose.yml", "services:\n  supavisor:\n    image: supabase/supavisor:2.0\n    environment:\n"
     "      - POOLER_DEFAULT_POOL_SIZE=20\n      - POOLER_MAX_CLIENT_CONN=100\n",
     "supavisor", {"default_pool_size": 20, "max_client_conn": 100}, [], 3),
])
def test_poolers(path, text, kind, settings, defaults_used, line):
    [pooler] = facts((path, "config", text))["poolers"]
    assert pooler == {"kind": kind, "settings": settings, "defaults_used": defaults_used, "path": path, "line": line}


def test_supabase_config_without_pooler_section():
    assert facts(("supabase/config.toml", "config", "[db]\nmajor_version = 15\n"))["poolers"] == []


@pytest.mark.parametrize("text, via", [
    ("DATABASE_URL=postgresql://postgres.abc:pw@aws-0-eu-west-1.pooler.supabase.com:5432/postgres", "pooler host"),
    ("DATABASE_URL=postgresql://postgres:pw@db.abc.supabase.co:6543/postgres", "port 6543"),
    ("DATABASE_URL=\"postgres://u:pw@db.example.com:5432/app?pgbouncer=true&connection_limit=1\"", "pgbouncer=true"),
    ("DATABASE_URL=postgres://u:pw@pgbouncer:6432/app", "pooler host"),
    ("DATABASE_URL=postgresql://u:pw@db.abc.supabase.co:5432/postgres", None),
    ("DATABASE_URL=postgresql://localhost/app", None),
])
def test_pooler_urls(text, via):
    urls = facts((".env.example", "config", "# example\n" + text + "\n"))["pooler_urls"]
    assert urls == ([{"path": ".env.example", "line": 2, "via": via}] if via else [])


# -- processes ------------------------------------------------------------------------------------
PROCFILE = ("release: python manage.py migrate\nweb: gunicorn app:app --workers $WEB_CONCURRENCY\n"
            "worker: node worker.js\n")
CLUSTER_TS = ("import cluster from 'node:cluster';\nimport os from 'node:os';\n"
              "const n = os.cpus().length;\nif (cluster.isPrimary) {\n  for (let i = 0; i < n; i++) {\n"
              "    cluster.fork();\n  }\n}\n")
PROCESS_CASES = [
    ("Dockerfile", "config",
     "FROM python:3.12\nCMD [\"gunicorn\", \"-w\", \"4\", \"-k\", \"uvicorn.workers.UvicornWorker\", \"app:app\"]\n",
     [("gunicorn", 4, "-w 4", 2)]),
    ("backend/Dockerfile.prod", "config",
     "FROM python:3.12 AS build\nCMD [\"echo\"]\nFROM python:3.12-slim\nENTRYPOINT [\"gunicorn\"]\n"
     "CMD gunicorn app:app \\\n    --workers=3\n",
     [("gunicorn", 3, "--workers=3", 5)]),
    ("Dockerfile", "config", "FROM python\nCMD gunicorn app:app\n",
     [("gunicorn", 1, "no --workers (default 1 unless WEB_CONCURRENCY)", 2)]),
    ("Dockerfile", "config", "FROM python\nCMD [\"gunicorn\", \"-c\", \"gunicorn.conf.py\", \"app:app\"]\n",
     [("gunicorn", None, "workers from the config file", 2)]),
    ("Dockerfile", "config", "FROM python\nCMD uvicorn app.main:app --host 0.0.0.0 --workers 4\n",
     [("uvicorn", 4, "--workers 4", 2)]),
    ("Dockerfile", "config", "FROM python\n# start\nCMD [\"uvicorn\", \"app.main:app\"]\n",
     [("single-process", 1, "uvicorn without --workers", 3)]),
    ("Dockerfile", "config", "FROM node:20\nCMD [\"npm\", \"start\"]\n", [("single-process", 1, "one process", 2)]),
    ("Dockerfile", "config", "FROM node:20\nCMD\tnode dist/server.js\n", [("single-process", 1, "one process", 2)]),
    ("Dockerfile", "config", "FROM node:20\nRUN npm ci\n", []),
    ("Dockerfile", "config", "FROM node:20\nCMD [\"pm2-runtime\", \"server.js\", \"-i\", \"max\"]\n",
     [("pm2", None, "-i max", 2)]),
    ("Dockerfile", "config", "FROM node:20\nCMD [\"pm2-runtime\", \"ecosystem.config.js\"]\n", []),
    ("Procfile", "config", PROCFILE,
     [("gunicorn", None, "--workers $WEB_CONCURRENCY", 2), ("single-process", 1, "one process", 3)]),
    ("docker-compose.yml", "config", "services:\n  api:\n    command: uvicorn app:app --workers ${WORKERS:-2}\n",
     [("uvicorn", 2, "--workers ${WORKERS:-2}", 3)]),
    ("docker-compose.yml", "config",
     "services:\n  api:\n    entrypoint: [\"gunicorn\"]\n    command:\n      - app:app\n      - --workers\n      - \"6\"\n"
     "    deploy:\n      replicas: 3\n  web:\n    image: web\n    scale: ${WEB_SCALE:-2}\n",
     [("gunicorn", 6, "--workers 6", 3), ("compose-replicas", 3, "deploy.replicas: 3", 9),
      ("compose-replicas", 2, "scale: ${WEB_SCALE:-2}", 12)]),
    ("gunicorn.conf.py", "python", "import multiprocessing\nbind = '0.0.0.0:8000'\n"
     "workers = multiprocessing.cpu_count() * 2 + 1\n",
     [("gunicorn", None, "workers = multiprocessing.cpu_count() * 2 + 1", 3)]),
    ("deploy/gunicorn_conf.py", "python", "import os\nworkers = int(os.getenv('WEB_CONCURRENCY', '5'))\n",
     [("gunicorn", 5, "workers = int(os.getenv('WEB_CONCURRENCY', '5'))", 2)]),
    ("gunicorn.conf.py", "python", "workers = 8\n", [("gunicorn", 8, "workers = 8", 1)]),
    ("ecosystem.config.js", "js", "module.exports = {\n  apps: [{\n    name: 'api',\n    script: 'server.js',\n"
     "    instances: 'max',\n    exec_mode: 'cluster',\n  }, {\n    name: 'jobs',\n    instances: 2\n  }]\n};\n",
     [("pm2", None, "instances: 'max'", 5), ("pm2", 2, "instances: 2", 9)]),
    ("src/cluster.ts", "js", CLUSTER_TS,
     [("node-cluster", None, "cluster.fork() in a loop", 6)]),
    ("src/cluster.js", "js", "const cluster = require('cluster');\n"
     "require('os').availableParallelism && [1,2].forEach(() => cluster.fork());\n",
     [("node-cluster", None, "cluster.fork() in a loop", 2)]),
    ("src/fork.js", "js", "const cluster = require('cluster');\ncluster.fork();\n",
     [("node-cluster", 1, "cluster.fork()", 2)]),
    ("src/child.js", "js", "const { fork } = require('child_process');\nfork('x.js');\n", []),
]


@pytest.mark.parametrize("path, kind, text, expected", PROCESS_CASES)
def test_processes(path, kind, text, expected):
    processes = facts((path, kind, text))["processes"]
    assert pick(processes, "kind", "count", "setting", "line") == expected
    assert all(p["path"] == path for p in processes)


def test_cluster_detail_and_env_resolution():
    [fork] = facts(("src/cluster.ts", "js", CLUSTER_TS))["processes"]
    assert fork["detail"] == "one per CPU"
    procs = facts((".env.example", "config", "WEB_CONCURRENCY=3\n"), ("Procfile", "config", PROCFILE))["processes"]
    assert pick(procs, "kind", "count", "env", "path", "line") == [
        ("web-concurrency", 3, None, ".env.example", 1),
        ("gunicorn", 3, "WEB_CONCURRENCY", "Procfile", 2),
        ("single-process", 1, None, "Procfile", 3),
    ]


K8S = """\
apiVersion: v1
kind: Service
metadata:
  name: api
spec:
  ports: [{port: 80}]
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
spec:
  replicas: 3
  template:
    spec:
      containers:
        - name: api
          image: api:1
          command: ["gunicorn"]
          args:
            - app:app
            - --workers=2
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: jobs
spec:
  template: {}
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: api
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: api}
  minReplicas: 2
  maxReplicas: 12
"""


def test_kubernetes_multi_document():
    processes = facts(("deploy/k8s/api.yaml", "config", K8S))["processes"]
    assert pick(processes, "kind", "count", "setting", "line") == [
        ("k8s-deployment", 3, "spec.replicas: 3", 13),
        ("gunicorn", 2, "--workers=2", 19),
        ("k8s-deployment", 1, "spec.replicas unset (default 1)", 25),  # no replicas: the `kind` line
        ("k8s-hpa", 2, "minReplicas: 2", 37),
        ("k8s-hpa", 12, "maxReplicas: 12", 38),
    ]
    assert processes[-1]["detail"] == "HorizontalPodAutoscaler api scales Deployment api"


@pytest.mark.parametrize("files, expected", [
    ([("supabase/functions/send-email/index.ts", "js", "Deno.serve(() => {})"),
      ("supabase/functions/send-email/util.ts", "js", ""),
      ("supabase/functions/_shared/index.ts", "js", "")],
     [("supabase/functions/send-email/index.ts", "Supabase Edge Function send-email")]),
    ([("netlify/functions/hello.ts", "js", ""), ("netlify/functions/report/report.js", "js", ""),
      ("netlify/functions/report/lib.js", "js", "")],
     [("netlify/functions/hello.ts", "Netlify function hello"),
      ("netlify/functions/report/lib.js", "Netlify function report")]),
    ([("web/vercel.json", "config", "{}"), ("web/api/users.ts", "js", ""), ("web/api/_lib.ts", "js", ""),
      ("api/other.ts", "js", "")],
     [("web/api/users.ts", "Vercel function api/users.ts")]),
    ([("api/users.ts", "js", "")], []),  # no vercel.json: an ordinary folder
    ([("vercel.json", "config", '{\n  "functions": {\n    "api/*.py": {"maxDuration": 10}\n  }\n}')],
     [("vercel.json", "Vercel functions")]),
])
def test_serverless(files, expected):
    processes = facts(*files)["processes"]
    assert pick(processes, "path", "detail") == expected
    assert all(p["kind"] == "serverless" and p["count"] is None for p in processes)


def test_vercel_functions_line():
    [p] = facts(("vercel.json", "config", '{\n  "functions": {\n    "api/*.py": {}\n  }\n}'))["processes"]
    assert (p["line"], p["setting"]) == (3, "functions: api/*.py")


# -- problems and determinism ---------------------------------------------------------------------
@pytest.mark.parametrize("path, kind, text, reason", [
    ("docker-compose.yml", "config", "services:\n  api:\n    image: [x\n", "YAML could not be parsed (line 4)"),
    ("k8s/bad.yaml", "config", "a: 1\n\tb: 2\n", "YAML could not be parsed (line 2)"),
    ("charts/api/templates/deployment.yaml", "config", "replicas: {{ .Values.replicas }}\n",
     "YAML could not be parsed (line 1): a template, not rendered"),
    ("supabase/config.toml", "config", "[db\nport = 1\n", "TOML could not be parsed"),
    ("pgbouncer.ini", "config", "pool_mode = session\n[pgbouncer]\n", "INI could not be parsed (line 1)"),
    ("gunicorn.conf.py", "python", "workers = (\n", "Python could not be parsed (line 1)"),
    ("vercel.json", "config", "{\n  functions: 1\n}", "JSON could not be parsed (line 2)"),
])
def test_problems(path, kind, text, reason):
    out = facts((path, kind, text))
    [problem] = out["problems"]
    assert problem["path"] == path and problem["reason"].startswith(reason)
    assert out["processes"] == out["poolers"] == out["server_limits"] == []


def test_broken_file_does_not_hide_the_others():
    out = facts(("a/docker-compose.yml", "config", "services: [\n"),
                ("b/docker-compose.yml", "config", "services:\n  api:\n    deploy: {replicas: 4}\n"))
    assert pick(out["processes"], "path", "count") == [("b/docker-compose.yml", 4)]
    assert pick(out["problems"], "path") == [("a/docker-compose.yml",)]


def test_odd_inputs_never_raise():
    odd = ["", "\0", "- [a, b]\n- 1", "services: 3", "services:\n  x: null", "kind: Deployment\nspec: 3",
           "kind: Deployment\nspec:\n  replicas: many", "a: &a [*a]", "? [a]\n: 1", "[pgbouncer\n",
           "db = 1", "[db]\nsettings = 'x'\npooler = 2", "[" * 5000, "CMD " + "[" * 5000, "{\"functions\": [1]}"]
    for text in odd:
        for path in ("docker-compose.yml", "k8s.yaml", "pgbouncer.ini", "supabase/config.toml", "Dockerfile",
                     "Procfile", "vercel.json", "postgresql.conf", "gunicorn.conf.py", "ecosystem.config.js"):
            json.dumps(facts((path, "config", text)))
    assert deployment_facts([SourceFile("Dockerfile", "config", 10, None)]).to_dict()["processes"] == []


def test_to_dict_is_deterministic():
    files = [("docker-compose.yml", "config", "services:\n  api:\n    command: node s.js\n    deploy: {replicas: 2}\n"),
             (".env.example", "config", "B=2\nA=1\n"), ("deploy/k8s.yaml", "config", K8S),
             ("pgbouncer.ini", "config", "[pgbouncer]\nmax_client_conn = 9\n")]
    first = facts(*files)
    shuffled = files[:]
    random.Random(5).shuffle(shuffled)
    assert json.dumps(facts(*shuffled)) == json.dumps(first)
    assert list(first["env"]) == ["A", "B"]
    assert all(list(e) == sorted(e) for e in first["processes"] + first["poolers"])


# -- the bundled examples -------------------------------------------------------------------------
def example(name: str) -> dict:
    return deployment_facts(discover(EXAMPLES / name).files).to_dict()


def test_booking_api_example():
    out = example("booking-api")
    assert out["server_limits"] == [{"setting": "max_connections", "value": 100, "env": None,
                                     "source": "compose command", "path": "docker-compose.yml", "line": 4}]
    replicas = [p for p in out["processes"] if p["kind"] == "compose-replicas"]
    assert pick(replicas, "count", "path", "line", "detail") == [(1, "docker-compose.yml", 26, "service api")]
    assert pick([p for p in out["processes"] if p["kind"] == "single-process"], "path", "detail") == [
        ("backend/Dockerfile", "Dockerfile: node dist/server.js"), ("frontend/Dockerfile", "Dockerfile: npm start")]
    assert out["env"]["DATABASE_URL"]["value"] == "postgresql://booking:***@db:5432/booking"
    assert out["env"]["POSTGRES_PASSWORD"]["value"] == "***"
    assert out["poolers"] == out["pooler_urls"] == out["problems"] == []


def test_capsule_api_example():
    out = example("capsule-api")
    assert pick(out["processes"], "kind", "count", "setting", "path", "line") == [
        ("single-process", 1, "uvicorn without --workers", "backend/Dockerfile", 12)]
    assert out["env"]["JWT_SECRET"]["value"] == "***"
    assert "change-me" not in json.dumps(out)


def test_truststream_example():
    out = example("truststream")
    [pooler] = out["poolers"]
    assert (pooler["kind"], pooler["path"], pooler["line"]) == ("supabase-pooler", "supabase/config.toml", 19)
    assert pooler["settings"] == {"enabled": False, "default_pool_size": 20, "max_client_connections": 100,
                                  "pool_mode": "transaction", "major_version": 15}
    assert pooler["defaults_used"] == []
    assert pick(out["processes"], "kind", "path", "detail") == [
        ("serverless", "supabase/functions/ai-analysis/index.ts", "Supabase Edge Function ai-analysis")]
    assert out["server_limits"] == []
