"""The Citus-readiness rule, checked on every SQL statement the application issues.

The per-employee tables are distributed by `enterprise_id` (README, "Citus"). A statement that
names one of them must say which enterprise(s) it is about, so Citus routes it to one shard (or,
for a government figure over many enterprises, prunes by the id list) and joins co-located
shards only:

- every occurrence of a distributed table (FROM, JOIN, UPDATE, DELETE FROM; by its alias when it
  has one) has an `<alias>.enterprise_id = …` or `<alias>.enterprise_id IN (…)` condition, or is
  equated to another table's `enterprise_id` (a co-located join);
- an INSERT (or COPY) into one lists the `enterprise_id` column;
- joins to reference tables (enterprises, regions, campaigns, users…) need nothing;
- DDL (CREATE/ALTER/DROP: the day partitions) and the whole-table maintenance functions in
  `EXEMPT` are multi-shard by design and are not checked;
- only statements issued by the application (a frame under fugong/ on the stack) count, not a
  test's own assertions.
"""

import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection

import fugong

DISTRIBUTED = (
    "health_employee",
    "health_declaration",
    "health_gatecheck",
    "health_roundenterprise",
)
FUGONG = str(Path(fugong.__file__).parent)

# (module path under fugong/, function): multi-shard on purpose, each with its reason
EXEMPT = {
    # creates day partitions; asks the default partition whether a day already has rows
    ("health/services/maintenance.py", "ensure_partitions"),
    # retention over every enterprise: drops whole partitions, deletes old rows everywhere
    ("health/services/maintenance.py", "purge"),
    # key rotation re-encrypts every row of every enterprise
    ("health/services/maintenance.py", "rotate_keys"),
}

_TABLES = "|".join(DISTRIBUTED)
OCCURRENCE = re.compile(
    rf'\b(FROM|JOIN|UPDATE|INTO|COPY)\s+"?((?:{_TABLES})(?:_[a-z0-9]+)?)"?'
    r'(?:\s+(?:AS\s+)?"?([A-Za-z_][A-Za-z0-9_]*)"?)?',
    re.IGNORECASE,
)
NOT_ALIAS = {
    "where", "on", "set", "inner", "left", "right", "outer", "full", "cross", "join", "order",
    "group", "limit", "offset", "for", "values", "select", "using", "returning", "having",
    "union", "natural", "default", "partition", "from", "with", "and", "or",
}  # fmt: skip
DDL = re.compile(r"^\s*(CREATE|ALTER|DROP|TRUNCATE|SAVEPOINT|RELEASE|ROLLBACK)\b", re.I)


def _col(name: str) -> str:
    return rf'"?{re.escape(name)}"?\."?enterprise_id"?'


def violations(sql: str) -> list[str]:
    """What is wrong with one statement (empty: it keeps the rule)."""
    if DDL.match(sql):
        return []
    wrong = []
    for m in OCCURRENCE.finditer(sql):
        verb, table, alias = m.group(1).upper(), m.group(2), m.group(3)
        if verb in ("INTO", "COPY"):
            columns = sql[m.end() : m.end() + 2000].split(")", 1)[0]
            if "enterprise_id" not in columns:
                wrong.append(f"{verb} {table} without the enterprise_id column")
            continue
        name = alias if alias and alias.lower() not in NOT_ALIAS else table
        own = _col(name)
        pinned = re.search(rf"{own}\s*(=|IN\b)", sql, re.I) or re.search(rf"=\s*{own}", sql, re.I)
        if not pinned and len(OCCURRENCE.findall(sql)) == 1:
            pinned = re.search(r'(?<![."\w])"?enterprise_id"?\s*(=|IN\b)', sql, re.I)
        if not pinned:
            wrong.append(f"{table} (as {name}) without an enterprise_id condition")
    return wrong


def _origin() -> tuple[str, str] | None:
    """(module under fugong/, function) of the innermost application frame, None outside."""
    frame = sys._getframe(2)
    found = None
    while frame is not None:
        path = frame.f_code.co_filename
        if path.startswith(FUGONG):
            where = (Path(path).relative_to(FUGONG).as_posix(), frame.f_code.co_name)
            if where in EXEMPT:
                return None
            found = found or where
        frame = frame.f_back
    return found


@dataclass
class ShardKeyGuard:
    """A context that records every application statement breaking the rule."""

    found: list[tuple[str, str, list[str]]] = field(default_factory=list)
    seen: int = 0

    def __call__(self, execute, sql, params, many, context):  # noqa: ANN001, ANN204
        text = sql if isinstance(sql, str) else str(sql)
        if any(t in text for t in DISTRIBUTED):
            origin = _origin()
            if origin is not None:
                self.seen += 1
                wrong = violations(text)
                if wrong:
                    self.found.append((f"{origin[0]}:{origin[1]}", text, wrong))
        return execute(sql, params, many, context)

    def __enter__(self) -> "ShardKeyGuard":
        self._wrapper = connection.execute_wrapper(self)
        self._wrapper.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self._wrapper.__exit__(*exc)

    def report(self) -> str:
        return "\n\n".join(f"{where}: {'; '.join(w)}\n  {sql}" for where, sql, w in self.found)
