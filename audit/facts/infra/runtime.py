"""Where a source file runs: a server, an edge/serverless function, the browser, tests or tooling.

Decided from the path and the nearest package.json only (nothing is built or run), so that a
browser-only rate limiter or a `fetch` in a test is not taken for server behaviour.
"""

from __future__ import annotations

import json
import re
from pathlib import PurePosixPath

from audit.discover import SourceFile

TEST = re.compile(r"(^|/)(tests?|__tests__|__mocks__|spec|specs|e2e|cypress|playwright|fixtures?|testing)/"
                  r"|\.(test|spec|stories|cy)\.[cm]?[jt]sx?$|(^|/)(test_[^/]*|[^/]*_test|conftest)\.py$")
TOOLING = re.compile(r"(^|/)(scripts?|tools|bin|docs?|examples?|benchmarks?|bench|migrations|alembic|seeds?)/"
                     r"|(^|/)[^/]*\.config\.[cm]?[jt]s$|(^|/)(setup|noxfile|fabfile)\.py$")
EDGE = re.compile(r"(^|/)(supabase/functions|netlify/functions|netlify/edge-functions)/")
SERVER_FRAMEWORKS = {"express", "fastify", "koa", "@nestjs/core", "@hapi/hapi", "hapi", "hono", "restify",
                     "polka", "socket.io", "@trpc/server", "apollo-server", "@apollo/server", "elysia"}
BROWSER_FRAMEWORKS = {"react", "react-dom", "vue", "svelte", "@angular/core", "solid-js", "preact", "vite"}
NEXT_SERVER = re.compile(r"(^|/)pages/api/|(^|/)app/(.+/)?route\.[cm]?[jt]s$|(^|/)middleware\.[jt]s$|(^|/)server/")
SERVER_DIRS = re.compile(r"(^|/)(server|api|backend|routes|controllers|services|middlewares?|workers?|jobs|queues)/")
NODE_ONLY = re.compile(r"^(node:|fs$|http$|https$|net$|child_process$|worker_threads$|cluster$|pg$|ioredis$|bull)")


class Runtimes:
    """Runtime of each JS/Python file of one repository."""

    def __init__(self, files: list[SourceFile]):
        self.deps: dict[str, set[str]] = {}
        for f in files:
            if f.name == "package.json" and f.text:
                self.deps[str(PurePosixPath(f.path).parent)] = _package_deps(f.text)
        self.vercel_dirs = {str(PurePosixPath(f.path).parent) for f in files if f.name == "vercel.json"}

    def package_deps(self, path: str) -> set[str]:
        """The dependencies of the package.json nearest above `path` (empty when there is none)."""
        parent = PurePosixPath(path).parent
        for d in [parent, *parent.parents]:
            if str(d) in self.deps:
                return self.deps[str(d)]
        return set()

    def of(self, path: str, imports: set[str] = frozenset()) -> str:
        """`server`, `edge`, `browser`, `test` or `tooling`."""
        if TEST.search(path):
            return "test"
        if EDGE.search(path) or self._vercel_function(path):
            return "edge"
        if TOOLING.search(path):
            return "tooling"
        if path.endswith(".py"):
            return "server"
        if imports & SERVER_FRAMEWORKS:
            return "server"
        deps = self.package_deps(path) | imports
        if "next" in deps:
            return "server" if NEXT_SERVER.search(path) else "browser"
        server, browser = bool(deps & SERVER_FRAMEWORKS), bool(deps & BROWSER_FRAMEWORKS)
        if server and browser:  # one package for both sides: server code sits in server-named folders
            return "server" if SERVER_DIRS.search(path) or any(NODE_ONLY.match(m) for m in imports) else "browser"
        return "browser" if browser else "server"

    def hosted(self, manifest: str) -> str:
        """Where the server of the package declared by `manifest` runs: `edge` on Vercel, else `server`."""
        return "edge" if str(PurePosixPath(manifest).parent) in self.vercel_dirs else "server"

    def _vercel_function(self, path: str) -> bool:
        return any(path.startswith(("" if d == "." else d + "/") + "api/") for d in self.vercel_dirs)


def _package_deps(text: str) -> set[str]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return set()
    deps = set()
    for key in ("dependencies", "devDependencies", "peerDependencies"):
        if isinstance(data, dict) and isinstance(data.get(key), dict):
            deps |= set(data[key])
    return deps
