"""An import's preview (every row checked, nothing stored) and its commit through the bulk
create path, all rows or only the valid ones."""

import enum
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from lastmile.addresses.types import Geocoder
from lastmile.billing.merchants import ids_by_code
from lastmile.dispatch import intake
from lastmile.errors import FieldError, InvalidInput
from lastmile.hubs.models import Hub
from lastmile.hubs.scope import EVERY_HUB, HubScope
from lastmile.hubs.service import list_hubs
from lastmile.imports.mapping import (
    TARGETS,
    Defaults,
    HubRef,
    check_mapping,
    guess_mapping,
    target_of,
    to_body,
)
from lastmile.imports.reading import Table
from lastmile.orgsettings.service import get_rules
from lastmile.shipments.checks import CheckedRow, RowRules, check_row

PREVIEW_ROWS = 20
MAX_PROBLEMS = 500
_YOUR_HUBS = "is empty: give one of your hubs (or choose the import's hub)"
_LABELS = {t.key: t.label for t in TARGETS}


class Mode(enum.StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    VALID_ONLY = "valid_only"


@dataclass(frozen=True, slots=True)
class RowProblem:
    """Why one row cannot be imported: its row in the file (the header is row 1), the
    column at fault (its header, or None when no column feeds the field) and the field."""

    row: int
    column: str | None
    field: str
    message: str


@dataclass(slots=True)
class Checked:
    """Every data row checked: the bodies of the valid ones (with their file rows) and
    the problems of the others."""

    valid: list[tuple[int, dict[str, object]]] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    bad_rows: int = 0


@dataclass(frozen=True, slots=True)
class Preview:
    headers: list[str]
    mapping: dict[str, int]
    sample: list[list[str]]
    total_rows: int
    valid_rows: int
    bad_rows: int
    problems: list[RowProblem]


@dataclass(frozen=True, slots=True)
class Outcome:
    created: int
    existing: int
    skipped: int
    problems: list[RowProblem]


def preview(
    *,
    session: Session,
    org_id: uuid.UUID,
    table: Table,
    mapping: Mapping[str, int] | None,
    defaults: Defaults,
    scope: HubScope = EVERY_HUB,
) -> Preview:
    """The file's first rows and every row's problems under `mapping` (None: guessed from
    the headers); nothing is stored."""
    chosen = dict(mapping) if mapping is not None else guess_mapping(table.headers)
    checked = check_rows(
        session=session,
        org_id=org_id,
        table=table,
        mapping=chosen,
        defaults=defaults,
        strict_mapping=mapping is not None,
        scope=scope,
    )
    return Preview(
        headers=table.headers,
        mapping=chosen,
        sample=table.rows[:PREVIEW_ROWS],
        total_rows=len(table.rows),
        valid_rows=len(checked.valid),
        bad_rows=checked.bad_rows,
        problems=checked.problems[:MAX_PROBLEMS],
    )


def import_rows(
    *,
    session: Session,
    org_id: uuid.UUID,
    table: Table,
    mapping: Mapping[str, int],
    defaults: Defaults,
    mode: Mode,
    actor: str,
    geocoder: Geocoder | None = None,
    scope: HubScope = EVERY_HUB,
) -> Outcome:
    """Create the file's orders through `dispatch.intake.bulk_create`: all of them or none
    (`ALL_OR_NOTHING`), or the valid ones (`VALID_ONLY`). The bulk path checks each row as
    POST /api/v1/shipments does; the cells it cannot read were refused before. The caller
    commits."""
    checked = check_rows(
        session=session,
        org_id=org_id,
        table=table,
        mapping=mapping,
        defaults=defaults,
        schema=False,
        scope=scope,
    )
    total = len(table.rows)
    if not checked.valid or (checked.problems and mode is Mode.ALL_OR_NOTHING):
        return Outcome(created=0, existing=0, skipped=total, problems=checked.problems)
    savepoint = session.begin_nested()
    outcome = intake.bulk_create(
        session=session,
        org_id=org_id,
        rows=[body for _, body in checked.valid],
        actor=actor,
        geocoder=geocoder,
    )
    problems = list(checked.problems)
    refused = {index for index, _ in outcome.errors}
    for index, error in outcome.errors:
        problems.append(_problem(checked.valid[index][0], error, table.headers, mapping))
    problems.sort(key=lambda p: p.row)
    if refused and mode is Mode.ALL_OR_NOTHING:
        savepoint.rollback()
        return Outcome(created=0, existing=0, skipped=total, problems=problems)
    savepoint.commit()
    return Outcome(
        created=outcome.created,
        existing=outcome.existing,
        skipped=checked.bad_rows + len(refused),
        problems=problems,
    )


def check_rows(
    *,
    session: Session,
    org_id: uuid.UUID,
    table: Table,
    mapping: Mapping[str, int],
    defaults: Defaults,
    strict_mapping: bool = True,
    schema: bool = True,
    scope: HubScope = EVERY_HUB,
) -> Checked:
    """Each row through the mapping, then `shipments.checks.check_row`, the bulk create's own
    check (schema, hub, phone in the organisation's country, merchant code). A mapping the
    dispatcher chose that misses a required column is refused (InvalidInput on
    `mapping.<key>`); a guessed one reports the missing column on every row instead.
    `schema=False` reads the cells only (the caller's bulk create checks the rest). A hub
    the caller's `scope` leaves out is unknown here; a caller limited to some hubs must give
    one of theirs on every row."""
    mistakes = check_mapping(mapping, len(table.headers))
    if mistakes and strict_mapping:
        raise InvalidInput(mistakes[0].field, mistakes[0].message)
    rules = get_rules(session=session, org_id=org_id)
    org_hubs = list_hubs(session=session, org_id=org_id, scope=scope)
    hubs = _hub_refs(org_hubs)
    if defaults.hub_id is not None and str(defaults.hub_id) not in hubs:
        raise InvalidInput("hub_id", f"no hub {defaults.hub_id} in this organisation")
    codes = {
        str(cell).strip()
        for row in table.rows
        if "merchant" in mapping and mapping["merchant"] < len(row)
        for cell in [row[mapping["merchant"]]]
        if str(cell).strip()
    } | ({defaults.merchant} if defaults.merchant else set())
    row_rules = RowRules(
        region=rules.country,
        hubs={hub.id: hub for hub in org_hubs},
        merchant_ids=ids_by_code(session=session, org_id=org_id, codes=codes),
    )
    checked = Checked()
    for offset, row in enumerate(table.rows):
        line = offset + 2
        mapped = to_body(row, mapping, defaults=defaults, hubs=hubs, default_zone=rules.zone)
        errors = list(mapped.errors)
        if scope.limited and not errors and "hub_id" not in mapped.body:
            errors.append(FieldError("hub", _YOUR_HUBS))
        if schema:
            # Every problem of the row at once: a cell that could not be read was left out of
            # the body, so the schema's findings are the other fields' (an empty address, say).
            result = check_row(mapped.body, rules=row_rules)
            if not isinstance(result, CheckedRow):
                errors += result
        if errors:
            checked.bad_rows += 1
            checked.problems.extend(_problem(line, e, table.headers, mapping) for e in errors)
        else:
            checked.valid.append((line, mapped.body))
    return checked


def _problem(
    line: int, error: FieldError, headers: list[str], mapping: Mapping[str, int]
) -> RowProblem:
    key = target_of(error.field)
    index = mapping.get(key)
    column = headers[index] if index is not None and index < len(headers) else None
    message = (
        "is empty: every order needs it" if error.message == "Field required" else error.message
    )
    if column is None and key in _LABELS:
        message = f"{message} (no column is chosen for {_LABELS[key].lower()})"
    return RowProblem(row=line, column=column, field=key, message=message)


def _hub_refs(hubs: list[Hub]) -> dict[str, HubRef]:
    """The hubs by id, by code (case-folded) and by name (case-folded)."""
    refs: dict[str, HubRef] = {}
    for hub in hubs:
        ref = HubRef(id=hub.id, timezone=hub.timezone)
        refs[str(hub.id)] = ref
        refs[hub.code.casefold()] = ref
        refs[hub.name.casefold()] = ref
    return refs
