"""API shapes of an import's preview and outcome."""

from pydantic import BaseModel, Field

from lastmile.imports.service import Outcome, Preview, RowProblem


class TargetOut(BaseModel):
    key: str
    label: str
    required: bool


class RowProblemOut(BaseModel):
    row: int = Field(description="The row in the file; the header is row 1")
    column: str | None = Field(description="The header of the column at fault")
    field: str = Field(description="The target the column fills (`phone`, `date`…)")
    message: str

    @classmethod
    def of(cls, problem: RowProblem) -> "RowProblemOut":
        return cls(
            row=problem.row, column=problem.column, field=problem.field, message=problem.message
        )


class PreviewOut(BaseModel):
    headers: list[str]
    mapping: dict[str, int] = Field(description="Target key → column index (from 0)")
    targets: list[TargetOut]
    sample: list[list[str]] = Field(description="The first rows as read")
    total_rows: int
    valid_rows: int
    bad_rows: int
    problems: list[RowProblemOut] = Field(description="At most 500, by row")

    @classmethod
    def of(cls, preview: Preview, targets: list[TargetOut]) -> "PreviewOut":
        return cls(
            headers=preview.headers,
            mapping=preview.mapping,
            targets=targets,
            sample=preview.sample,
            total_rows=preview.total_rows,
            valid_rows=preview.valid_rows,
            bad_rows=preview.bad_rows,
            problems=[RowProblemOut.of(p) for p in preview.problems],
        )


class ImportOut(BaseModel):
    created: int
    existing: int = Field(description="Rows whose reference names an order already there")
    skipped: int
    problems: list[RowProblemOut]

    @classmethod
    def of(cls, outcome: Outcome) -> "ImportOut":
        return cls(
            created=outcome.created,
            existing=outcome.existing,
            skipped=outcome.skipped,
            problems=[RowProblemOut.of(p) for p in outcome.problems[:500]],
        )
