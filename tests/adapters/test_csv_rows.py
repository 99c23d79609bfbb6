"""The CSV record reader: a malformed row is found at its own physical line and skipped alone."""

from __future__ import annotations

from mipr_rules.adapters.csv_rows import MAX_FIELD, MAX_RECORD_LINES, Record, records


def _read(text: str, multiline: tuple[str, ...] = ()) -> list[Record]:
    return list(records(text, multiline))


def test_plain_rows_with_their_line_numbers_blank_lines_left_out() -> None:
    found = _read("a,b\n1,2\n\n3,4\r\n5,6")
    assert found == [Record(1, ("a", "b")), Record(2, ("1", "2")), Record(4, ("3", "4")), Record(5, ("5", "6"))]


def test_one_unclosed_quote_swallows_nothing() -> None:
    rows = "\n".join(f"P{i},CP{i},2026-01-0{i % 9 + 1}" for i in range(40))
    lines = rows.split("\n")
    lines[1] = 'P1,CP1,"2026-01-02'
    found = _read("person_id,plan_id,created\n" + "\n".join(lines) + "\n")
    bad = [r for r in found if r.problem]
    assert bad == [Record(3, problem="quote not closed")]
    assert len([r for r in found if not r.problem]) == 1 + 39


def test_an_unclosed_quote_that_meets_a_later_quote_is_still_one_bad_line() -> None:
    text = 'a,b,c\n1,"x,3\n4,5,6\n7,"y,z",9\n'
    found = _read(text)
    assert [(r.line, r.problem is None) for r in found] == [(1, True), (2, False), (3, True), (4, True)]
    assert found[3].cells == ("7", "y,z", "9")


def test_line_breaks_inside_quotes_only_in_free_text_columns() -> None:
    text = 'kind,description\naudit,"two\nlines"\n"three\nlines",x\n'
    found = _read(text, ("description",))
    assert found[1] == Record(2, ("audit", "two\nlines"))
    assert found[2].problem == "quote not closed on this line" and found[2].line == 4
    assert found[3] == Record(5, ('lines"', "x"))  # a quote inside an unquoted cell is text


def test_a_record_spans_at_most_max_record_lines() -> None:
    text = 'kind,description\naudit,"' + "\n" * (MAX_RECORD_LINES + 5) + '"\nfire,ok\n'
    found = _read(text, ("description",))
    assert found[1] == Record(2, problem="quote not closed")
    assert found[-1].cells == ("fire", "ok")


def test_wrong_cell_counts_and_text_after_a_closing_quote() -> None:
    found = _read('a,b\n1,2,3\n4\n"5"x,6\n')
    assert [(r.line, r.problem) for r in found[1:]] == [
        (2, "3 cells, the header has 2 columns"),
        (3, "1 cells, the header has 2 columns"),
        (4, "not valid CSV (a quote inside a cell that is not quoted?)"),
    ]


def test_cells_over_the_field_limit_name_their_column() -> None:
    at_limit = "y" * MAX_FIELD
    found = _read(f'a,b\n1,{at_limit}\n2,{at_limit}y\n3,"{at_limit}yy"\n4,5\n')
    assert found[1].cells == ("1", at_limit)
    assert found[2] == Record(3, problem=f"cell longer than {MAX_FIELD} characters", column=1)
    assert found[3] == Record(4, problem=f"cell longer than {MAX_FIELD} characters", column=1)
    assert found[4].cells == ("4", "5")


def test_a_malformed_header_is_the_first_record() -> None:
    assert _read('"a,b\n1,2\n')[0].problem == "quote not closed"
    assert _read("") == []
