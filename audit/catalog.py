"""The checklist as data: areas, checks, library defaults and scale profiles from checks/*.toml."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

STANDARD_PROFILES = ("500", "10k", "1m")


def data_dir(name: str) -> Path:
    """A folder shipped in the wheel (audit/_data/NAME) or, in a checkout, the repo's own."""
    here = Path(__file__).resolve().parent
    repo_names = {"templates": "reports/templates"}
    for candidate in (here / "_data" / name, here.parent / repo_names.get(name, name)):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"scaleaudit data folder '{name}' is missing from the installation")


@dataclass(frozen=True)
class CheckSpec:
    id: str
    area: str
    title: str
    severity: str
    weight: float
    why: str
    fix: str
    full_loss_at: int = 1
    effort: str = "days"
    references: tuple[str, ...] = ()
    thresholds: dict = field(default_factory=dict)


@dataclass(frozen=True)
class AreaSpec:
    id: str
    title: str
    weight: float


@dataclass(frozen=True)
class Profile:
    name: str
    title: str
    concurrent_users: int
    assumptions: dict
    base: str

    def to_dict(self) -> dict:
        return {"name": self.name, "concurrent_users": self.concurrent_users,
                "assumptions": dict(sorted(self.assumptions.items())), "base": self.base}


@dataclass
class Catalog:
    """The catalog resolved for one profile (its severities, weights and thresholds)."""

    profile: Profile
    areas: dict[str, AreaSpec]
    checks: dict[str, CheckSpec]
    defaults: dict[str, dict]
    grades: list[tuple[str, float]]
    rules: dict


@lru_cache(maxsize=None)
def _raw() -> tuple[dict, list[dict]]:
    folder = data_dir("checks")
    profiles = tomllib.loads((folder / "profiles.toml").read_text(encoding="utf-8"))
    areas = [tomllib.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.toml"))
             if p.name != "profiles.toml"]
    return profiles, areas


def load_profile(name: str = "10k", concurrent_users: int | None = None) -> Profile:
    """A standard profile by name, or a custom one sized by `concurrent_users`."""
    profiles = _raw()[0]["profiles"]
    if concurrent_users is None:
        if name not in profiles:
            raise ValueError(f"unknown profile '{name}': choose one of {', '.join(STANDARD_PROFILES)}")
        p = profiles[name]
        return Profile(name, p["title"], p["concurrent_users"], dict(p["assumptions"]), name)
    if concurrent_users <= 0:
        raise ValueError("concurrent_users must be a positive number")
    base = next((n for n in STANDARD_PROFILES if concurrent_users <= profiles[n]["concurrent_users"]), "1m")
    return Profile("custom", f"{concurrent_users:,} concurrent users", concurrent_users,
                   dict(profiles[base]["assumptions"]), base)


def load_catalog(profile: Profile) -> Catalog:
    raw_profiles, raw_areas = _raw()
    areas, checks, defaults = {}, {}, {}
    for doc in raw_areas:
        a = doc["area"]
        if "title" in a:  # a file whose [area] has only an id adds checks to an area defined elsewhere
            weight = a.get("profile", {}).get(profile.base, {}).get("weight", a.get("weight", 1))
            areas[a["id"]] = AreaSpec(a["id"], a["title"], float(weight))
        for c in doc.get("check", []):
            over = c.get("profile", {}).get(profile.base, {})
            checks[c["id"]] = CheckSpec(
                id=c["id"], area=a["id"], title=c["title"],
                severity=over.get("severity", c["severity"]), weight=float(over.get("weight", c["weight"])),
                why=" ".join(c["why"].split()), fix=" ".join(c["fix"].split()),
                full_loss_at=int(over.get("full_loss_at", c.get("full_loss_at", 1))),
                effort=c.get("effort", "days"),
                references=tuple(c.get("references", [])),
                thresholds={**c.get("thresholds", {}), **over.get("thresholds", {})},
            )
        defaults.update(doc.get("defaults", {}))
    grades = sorted(raw_profiles["grades"].items(), key=lambda kv: -kv[1])
    return Catalog(profile, areas, checks, defaults, grades, dict(raw_profiles["rules"]))
