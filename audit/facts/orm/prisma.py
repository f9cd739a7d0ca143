"""Prisma schema files (`schema.prisma`, or a folder of `.prisma` files) as the DDL `prisma migrate` writes.

What PostgreSQL gets from Prisma: `@id`/`@@id` primary keys, `@unique`/`@@unique` unique indexes,
`@@index` indexes (`type: Gin` ...), foreign keys from `@relation(fields:, references:)` with
**no index on the referencing columns** unless an `@@index`, `@@unique` or `@id` covers them, an
implicit `_AToB` table per implicit many-to-many relation, `@map`/`@@map` names. With
`relationMode = "prisma"` there are no FK constraints; relations are still listed (origin
`prisma relation (relationMode = prisma)`) since Prisma's own queries need the same indexes.
When `prisma/migrations/*/migration.sql` exist they are the schema (SQL path) and this file is
only compared with them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audit.facts.orm import ddl
from audit.facts.orm.ddl import Col, Fk, Ix, Ref, TableSpec
from audit.facts.schema import SchemaBuilder

SCALARS = {"String": "text", "Int": "integer", "BigInt": "bigint", "Float": "double precision",
           "Decimal": "decimal(65, 30)", "Boolean": "boolean", "DateTime": "timestamp(3)", "Json": "jsonb",
           "Bytes": "bytea", "Unsupported": "text"}
NATIVE = {"VarChar": "varchar", "Char": "char", "Text": "text", "Uuid": "uuid", "Timestamptz": "timestamptz",
          "Timestamp": "timestamp", "Date": "date", "Time": "time", "Timetz": "timetz", "Integer": "integer",
          "SmallInt": "smallint", "BigInt": "bigint", "Real": "real", "DoublePrecision": "double precision",
          "Decimal": "decimal", "Money": "money", "Boolean": "boolean", "Json": "json", "JsonB": "jsonb",
          "ByteA": "bytea", "Inet": "inet", "Citext": "citext", "Xml": "xml", "Bit": "bit", "VarBit": "varbit",
          "Oid": "oid"}
_BLOCK = re.compile(r"^\s*(model|enum|view|type|datasource|generator)\s+(\w+)\s*\{", re.M)
_ATTR = re.compile(r"@@?[\w.]+")


@dataclass
class PField:
    name: str
    type: str
    line: int
    list: bool = False
    optional: bool = False
    attrs: dict[str, list] = field(default_factory=dict)  # "@id" -> args, "@relation" -> args...

    @property
    def column(self) -> str:
        return _first_string(self.attrs.get("@map")) or self.name


@dataclass
class PModel:
    name: str
    path: str
    line: int
    fields: list[PField] = field(default_factory=list)
    block: list[tuple[str, list, int]] = field(default_factory=list)  # (@@attr, args, line)

    @property
    def table(self) -> str:
        for name, args, _ in self.block:
            if name == "@@map":
                return _first_string(args) or self.name
        return self.name

    @property
    def schema(self) -> str | None:
        for name, args, _ in self.block:
            if name == "@@schema":
                return _first_string(args)
        return None

    def field(self, name: str) -> PField | None:
        return next((f for f in self.fields if f.name == name), None)

    def column(self, name: str) -> str:
        f = self.field(name)
        return f.column if f is not None else name

    def id_fields(self) -> list[str]:
        ids = [f.name for f in self.fields if "@id" in f.attrs]
        for name, args, _ in self.block:
            if name == "@@id":
                ids = _names(args[0] if args else [])
        return ids


@dataclass
class Prisma:
    models: dict[str, PModel] = field(default_factory=dict)
    enums: set[str] = field(default_factory=set)
    relation_mode_prisma: bool = False
    problems: list[tuple[str, int, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)

    def accessor(self, name: str) -> PModel | None:
        """`prisma.userProfile` -> the UserProfile model."""
        return next((m for m in self.models.values() if m.name[:1].lower() + m.name[1:] == name), None)

    def emit(self, b: SchemaBuilder) -> None:
        for path, line, reason in self.problems:
            b.unresolved(path, line, reason)
        specs = [self.spec(m) for m in self.models.values()]
        specs += self.implicit_many_to_many()
        for s in specs:
            b.begin_file(s.path)
            ddl.emit_table(b, s)
        for s in specs:
            ddl.emit_later_fks(b, s)
        if self.relation_mode_prisma:
            for f in b.model.foreign_keys:
                f.origin = "prisma relation (relationMode = prisma)"
        b.model.migrations.sort()

    def column_type(self, f: PField) -> str:
        native = next((k for k in f.attrs if k.startswith("@db.")), None)
        if native:
            base = NATIVE.get(native[4:], native[4:].lower())
            args = [a for a in f.attrs[native] if isinstance(a, str) and a.isdigit()]
            t = f"{base}({', '.join(args)})" if args else base
        elif f.type in SCALARS:
            t = SCALARS[f.type]
        elif f.type in self.enums:
            t = f.type
        else:
            t = "text"
        return t + ("[]" if f.list else "")

    def spec(self, m: PModel) -> TableSpec:
        s = TableSpec(m.table, m.path, m.line, schema=m.schema)
        ids = m.id_fields()
        for f in m.fields:
            if f.type in self.models:
                continue
            s.columns.append(Col(f.column, self.column_type(f), f.line))
            if "@unique" in f.attrs:
                name = _kw(f.attrs["@unique"], "map") or f"{m.table}_{f.column}_key"
                s.indexes.append(Ix([f.column], name, unique=True, line=f.line))
        s.primary_key = [m.column(n) for n in ids]
        for name, args, line in m.block:
            if name in {"@@unique", "@@index"}:
                cols = [("-" if n.startswith("-") else "") + m.column(n.lstrip("-")) for n in _names(args[0] if args else [])]
                suffix = "key" if name == "@@unique" else "idx"
                ix_name = (_kw(args, "map") or _kw(args, "name")) if name == "@@index" else _kw(args, "map")
                ix_name = ix_name or ddl_name(m.table, [c.lstrip("-") for c in cols], suffix)
                method = (_kw(args, "type") or "").lower()
                s.indexes.append(Ix(cols, ix_name, unique=name == "@@unique", method=method, line=line))
        for f in m.fields:
            rel = f.attrs.get("@relation")
            target = self.models.get(f.type)
            if rel is None or target is None:
                continue
            fields, refs = _names(_kw_list(rel, "fields")), _names(_kw_list(rel, "references"))
            if not fields:
                continue
            cols = [m.column(n) for n in fields]
            ref = Ref(target.table, [target.column(n) for n in refs], target.schema,
                      _kw(rel, "map") or ddl_name(m.table, cols, "fkey"))
            s.later_fks.append(Fk(cols, ref, f.line))
        return s

    def implicit_many_to_many(self) -> list[TableSpec]:
        out, seen = [], set()
        for m in self.models.values():
            for f in m.fields:
                other = self.models.get(f.type)
                if other is None or not f.list or _kw_list(f.attrs.get("@relation", []), "fields"):
                    continue
                back = [g for g in other.fields if g.type == m.name and g.list and
                        _rel_name(g) == _rel_name(f) and not (other is m and g is f)]
                if not back:
                    continue
                a, b = sorted([m, other], key=lambda x: x.name)
                name = "_" + (_rel_name(f) or f"{a.name}To{b.name}")
                if name in seen:
                    continue
                seen.add(name)
                spec = TableSpec(name, m.path, f.line, schema=a.schema)
                id_a, id_b = a.id_fields()[:1] or ["id"], b.id_fields()[:1] or ["id"]
                spec.columns = [Col("A", self.column_type(a.field(id_a[0])) if a.field(id_a[0]) else "text", f.line),
                                Col("B", self.column_type(b.field(id_b[0])) if b.field(id_b[0]) else "text", f.line)]
                spec.primary_key, spec.pk_name = ["A", "B"], f"{name}_AB_pkey"  # Prisma 6; 5 made a unique index
                spec.indexes = [Ix(["B"], f"{name}_B_index", line=f.line)]
                spec.later_fks = [Fk(["A"], Ref(a.table, [a.column(id_a[0])], a.schema, f"{name}_A_fkey"), f.line),
                                  Fk(["B"], Ref(b.table, [b.column(id_b[0])], b.schema, f"{name}_B_fkey"), f.line)]
                out.append(spec)
        return out


def ddl_name(table: str, cols: list[str], suffix: str) -> str:
    """Prisma's default constraint and index names: {Table}_{cols}_{key|idx|fkey}, cut to 63 bytes."""
    from audit.facts.schema import object_name
    return object_name(table, "_".join(cols), suffix)


def _rel_name(f: PField) -> str:
    args = f.attrs.get("@relation") or []
    return _first_string(args) or _kw(args, "name") or ""


def _first_string(args) -> str | None:
    for a in args or []:
        if isinstance(a, str) and a.startswith('"'):
            return a.strip('"')
    return None


def _kw(args, key: str) -> str | None:
    for a in args or []:
        if isinstance(a, tuple) and a[0] == key:
            v = a[1]
            return v.strip('"') if isinstance(v, str) else None
    return None


def _kw_list(args, key: str) -> list:
    for a in args or []:
        if isinstance(a, tuple) and a[0] == key and isinstance(a[1], list):
            return a[1]
    return []


def _names(value) -> list[str]:
    """`[a, b(sort: Desc)]` -> ["a", "-b"]."""
    out = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, str):
            name = item.split("(", 1)[0].strip()
            desc = "(" in item and re.search(r"sort\s*:\s*Desc", item) is not None
            out.append(("-" if desc else "") + name)
    return out


def _split(text: str) -> list[str]:
    """Split on top-level commas (brackets, parentheses and strings respected)."""
    out, depth, cur, quote = [], 0, "", False
    for ch in text:
        if ch == '"':
            quote = not quote
        elif not quote and ch in "([":
            depth += 1
        elif not quote and ch in ")]":
            depth -= 1
        if ch == "," and depth == 0 and not quote:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def _value(text: str):
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        return [_value(x) if x.startswith("[") else x for x in _split(text[1:-1])]
    return text


def _args(text: str) -> list:
    """Attribute arguments: positional values and (key, value) pairs."""
    out = []
    for part in _split(text):
        m = re.match(r"^(\w+)\s*:\s*(.*)$", part, re.S)
        out.append((m.group(1), _value(m.group(2))) if m and not part.startswith('"') else _value(part))
    return out


def _attributes(text: str) -> dict[str, list]:
    out: dict[str, list] = {}
    i = 0
    while (m := _ATTR.search(text, i)) is not None:
        name, j = m.group(0), m.end()
        args = []
        if j < len(text) and text[j] == "(":
            depth, k, quote = 0, j, False
            while k < len(text):
                ch = text[k]
                if ch == '"':
                    quote = not quote
                elif not quote and ch == "(":
                    depth += 1
                elif not quote and ch == ")":
                    depth -= 1
                    if depth == 0:
                        break
                k += 1
            args = _args(text[j + 1:k])
            j = k + 1
        out[name] = args
        i = j
    return out


def _strip_comment(line: str) -> str:
    quote = False
    for i, ch in enumerate(line):
        if ch == '"':
            quote = not quote
        elif not quote and line.startswith("//", i):
            return line[:i]
    return line


def read_prisma(files: dict[str, str]) -> Prisma:
    p = Prisma()
    blocks = []
    for path in sorted(files):
        text = files[path]
        if "model " not in text and "datasource" not in text:
            continue
        lines = text.splitlines()
        i = 0
        while i < len(lines):
            m = _BLOCK.match(_strip_comment(lines[i]))
            if m is None:
                i += 1
                continue
            start, body = i + 1, []
            i += 1
            while i < len(lines) and _strip_comment(lines[i]).strip() != "}":
                body.append((i + 1, _strip_comment(lines[i]).strip()))
                i += 1
            blocks.append((m.group(1), m.group(2), path, start, body))
            i += 1
    for kind, name, path, start, body in blocks:
        if kind == "enum":
            p.enums.add(name)
        elif kind == "datasource":
            text = " ".join(b for _, b in body)
            if re.search(r'relationMode\s*=\s*"prisma"', text) or re.search(r'referentialIntegrity\s*=\s*"prisma"', text):
                p.relation_mode_prisma = True
            provider = re.search(r'provider\s*=\s*"(\w+)"', text)
            if provider and provider.group(1) not in {"postgresql", "postgres", "cockroachdb"}:
                p.problems.append((path, start, f"datasource provider is {provider.group(1)}, not PostgreSQL"))
    for kind, name, path, start, body in blocks:
        if kind not in {"model"}:
            continue
        model = PModel(name, path, start)
        for line, text in body:
            if not text:
                continue
            if text.startswith("@@"):
                for attr, args in _attributes(text).items():
                    model.block.append((attr, args, line))
                continue
            fm = re.match(r"^(\w+)\s+([\w.]+)(\[\])?(\?)?\s*(.*)$", text)
            if fm is None:
                p.problems.append((path, line, f"model {name}: line not read: {text[:60]}"))
                continue
            ftype = fm.group(2)
            if ftype.startswith("Unsupported"):
                ftype = "Unsupported"
            model.fields.append(PField(fm.group(1), ftype, line, bool(fm.group(3)), bool(fm.group(4)),
                                       _attributes(fm.group(5))))
        p.models[name] = model
        if path not in p.files:
            p.files.append(path)
    return p
