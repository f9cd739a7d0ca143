"""What the project is built with, read from its manifests and a few telltale files."""

from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

if TYPE_CHECKING:
    from audit.discover import Discovery

JS_PACKAGES = {
    "react": ("frameworks", "react"), "vue": ("frameworks", "vue"), "svelte": ("frameworks", "svelte"),
    "next": ("frameworks", "nextjs"), "vite": ("frameworks", "vite"), "express": ("frameworks", "express"),
    "fastify": ("frameworks", "fastify"), "koa": ("frameworks", "koa"), "@nestjs/core": ("frameworks", "nestjs"),
    "@supabase/supabase-js": ("frameworks", "supabase"), "pg": ("frameworks", "node-postgres"),
    "knex": ("frameworks", "knex"), "sequelize": ("frameworks", "sequelize"), "typeorm": ("frameworks", "typeorm"),
    "prisma": ("frameworks", "prisma"), "@prisma/client": ("frameworks", "prisma"),
    "postgres": ("frameworks", "postgres.js"), "kysely": ("frameworks", "kysely"),
    "drizzle-orm": ("frameworks", "drizzle"), "@tanstack/react-query": ("frameworks", "react-query"),
    "swr": ("frameworks", "swr"), "socket.io": ("frameworks", "socket.io"),
    "ioredis": ("databases", "redis"), "redis": ("databases", "redis"),
}
PY_PACKAGES = {
    "fastapi": ("frameworks", "fastapi"), "django": ("frameworks", "django"), "flask": ("frameworks", "flask"),
    "starlette": ("frameworks", "starlette"), "sqlalchemy": ("frameworks", "sqlalchemy"),
    "asyncpg": ("frameworks", "asyncpg"), "psycopg": ("frameworks", "psycopg"),
    "psycopg2": ("frameworks", "psycopg"), "psycopg2-binary": ("frameworks", "psycopg"),
    "psycopg-pool": ("frameworks", "psycopg"), "alembic": ("frameworks", "alembic"),
    "celery": ("frameworks", "celery"), "uvicorn": ("frameworks", "uvicorn"),
    "gunicorn": ("frameworks", "gunicorn"), "redis": ("databases", "redis"),
}
POSTGRES_SIGNS = {"node-postgres", "postgres.js", "asyncpg", "psycopg", "supabase", "prisma"}
HOSTING_FILES = {
    "netlify.toml": "netlify", "_redirects": "netlify", "vercel.json": "vercel", "fly.toml": "fly",
    "render.yaml": "render", "procfile": "procfile", "app.yaml": "app-engine",
}
LANGUAGES = {".py": "python", ".ts": "typescript", ".tsx": "typescript", ".mts": "typescript",
             ".js": "javascript", ".jsx": "javascript", ".mjs": "javascript", ".cjs": "javascript",
             ".sql": "sql"}
_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _requirement_names(lines) -> set[str]:
    names = set()
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            m = _REQ_NAME.match(line)
            if m:
                names.add(m.group(1).lower().replace("_", "-"))
    return names


def _js_deps(text: str) -> set[str]:
    data = json.loads(text)
    deps: set[str] = set()
    for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        if isinstance(data.get(key), dict):
            deps.update(data[key])
    return deps


def _py_deps(name: str, text: str) -> set[str]:
    if name.startswith("requirements"):
        return _requirement_names(text.splitlines())
    if name == "pyproject.toml":
        data = tomllib.loads(text)
        deps = list(data.get("project", {}).get("dependencies", []))
        for group in data.get("project", {}).get("optional-dependencies", {}).values():
            deps.extend(group)
        poetry = data.get("tool", {}).get("poetry", {}).get("dependencies", {})
        return _requirement_names(deps) | {k.lower() for k in poetry}
    if name == "pipfile":
        data = tomllib.loads(text)
        return {k.lower() for k in data.get("packages", {})} | {k.lower() for k in data.get("dev-packages", {})}
    return set()


def detect_stack(found: "Discovery") -> dict:
    """Languages, frameworks, databases and hosting, with the manifests that said so."""
    out: dict[str, set[str]] = {"languages": set(), "frameworks": set(), "databases": set(), "hosting": set()}
    manifests: list[str] = []
    for f in found.files:
        p = PurePosixPath(f.path)
        name = p.name.lower()
        lang = LANGUAGES.get(p.suffix.lower())
        if lang and f.kind != "build_output":
            out["languages"].add(lang)
        if name in HOSTING_FILES:
            out["hosting"].add(HOSTING_FILES[name])
        if name.startswith("dockerfile") or name.startswith(("docker-compose", "compose.")):
            out["hosting"].add("docker")
        if "supabase" in p.parts[:-1] or name == "supabase":
            out["frameworks"].add("supabase")
        if name.startswith("vite.config."):
            out["frameworks"].add("vite")
        if f.text is None or f.kind != "manifest":
            continue
        try:
            if name == "package.json":
                deps, table = _js_deps(f.text), JS_PACKAGES
            else:
                deps, table = _py_deps(name, f.text), PY_PACKAGES
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            found.skip(f.path, f"manifest could not be parsed: {str(exc).splitlines()[0]}")
            continue
        if name in {"package.json", "pyproject.toml", "pipfile"} or name.startswith("requirements"):
            manifests.append(f.path)
        for dep in deps:
            if dep in table:
                key, value = table[dep]
                out[key].add(value)
    if out["frameworks"] & POSTGRES_SIGNS or found.of_kind("migration_sql", "schema_sql"):
        out["databases"].add("postgresql")
    if "supabase" in out["frameworks"]:
        out["hosting"].add("supabase")
    result = {k: sorted(v) for k, v in out.items()}
    result["manifests"] = sorted(manifests)
    result["files"] = dict(sorted(Counter(f.kind for f in found.files).items()))
    return result
