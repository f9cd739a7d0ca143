#!/usr/bin/env bash
# Install the Debian/Ubuntu packages scaleaudit's tests and reports need, only those missing.
# Safe to rerun: when everything is present it touches nothing (no apt-get update).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# make: the quick-start commands; postgresql: throwaway test server; poppler-utils: pdftoppm;
# chromium: HTML screenshots; fonts + pango/harfbuzz-subset: WeasyPrint PDF rendering.
required=(make postgresql poppler-utils chromium fonts-dejavu-core
          libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0)

have() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'; }
pg_major() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -n1; }

missing=()
for p in "${required[@]}"; do have "$p" 2>/dev/null || missing+=("$p"); done

if ! command -v apt-get >/dev/null || ! command -v dpkg-query >/dev/null || [ "$(id -u)" -ne 0 ]; then
  if [ "${#missing[@]}" -gt 0 ] || ! command -v dpkg-query >/dev/null; then
    echo "system-deps: not root or no apt-get; install these yourself (Debian names):" >&2
    echo "  ${missing[*]:-${required[*]}} postgresql-<major>-hypopg (optional)" >&2
  fi
  exit 0
fi

updated=0
if [ "${#missing[@]}" -gt 0 ]; then
  echo "system-deps: installing ${missing[*]}"
  apt-get update -qq -o DPkg::Lock::Timeout=300
  updated=1
  apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "${missing[@]}"
fi

# hypopg is optional: install it for the installed server major when the archive has it.
major=$(pg_major)
if [ -n "$major" ] && ! have "postgresql-$major-hypopg"; then
  if [ "$updated" -eq 0 ] && ! apt-cache show "postgresql-$major-hypopg" >/dev/null 2>&1 \
       && [ -z "$(ls /var/lib/apt/lists/*Packages* 2>/dev/null)" ]; then
    apt-get update -qq -o DPkg::Lock::Timeout=300   # empty package lists: refresh once so hypopg can be found
  fi
  if apt-cache show "postgresql-$major-hypopg" >/dev/null 2>&1; then
    echo "system-deps: installing postgresql-$major-hypopg"
    apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends "postgresql-$major-hypopg" \
      || echo "system-deps: hypopg install failed (optional, continuing)" >&2
  else
    echo "system-deps: postgresql-$major-hypopg not available (optional, skipped)" >&2
  fi
fi
echo "system-deps: ok"
