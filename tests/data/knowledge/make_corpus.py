"""Generate the knowledge test corpus: one little company handbook in five formats.

The generated files are committed; tests read them and never run this script. To remake
them (after changing HANDBOOK below), from the repository root:

    .venv/bin/pip install fpdf2 python-docx      # fpdf2 is a test-only dependency
    .venv/bin/python tests/data/knowledge/make_corpus.py

Outputs (next to this file):
    handbook.md / handbook.html / handbook.txt   the same content as text formats
    handbook.pdf      3 pages (fpdf2, core Helvetica/Courier fonts), with an outline
                      (bookmarks) for the headings
    handbook.docx     python-docx, built-in Title / Heading N / List Bullet styles, a
                      "Code" paragraph style and a table
    corrupt.pdf       handbook.pdf cut in half (no xref table, no %%EOF marker)
    encrypted.pdf     a one-page PDF that needs the user password "s3cret" to open
    not-really.pdf    plain text bytes with a .pdf name

Every fact a later search test looks for appears exactly once, in one section.
"""

from __future__ import annotations

import datetime as dt
import html
from pathlib import Path

HERE = Path(__file__).resolve().parent

# (kind, payload). kinds: title, h1..h3 (level), p, code, table (rows), list (items), page
HANDBOOK: list[tuple[str, object]] = [
    ("title", "Northwind Labs Handbook"),
    (
        "p",
        "Welcome to Northwind Labs. This handbook explains how we work, where things live "
        "and whom to ask. It is short on purpose: read it in your first week.",
    ),
    ("h1", "Getting Started"),
    ("h2", "Accounts"),
    (
        "p",
        "Your laptop and badge are ready on your first morning. IT creates your accounts "
        "the Friday before you start, and the first login must happen from the office.",
    ),
    ("h2", "Office Wifi"),
    (
        "p",
        "The office wifi password rotates every 90 days. The current password is written "
        "on the whiteboard next to the kitchen, never in chat or email.",
    ),
    ("page", None),
    ("h1", "Expenses"),
    (
        "p",
        "Expense reports are due on the 5th business day of each month. Late reports are "
        "paid with the following month's payroll.",
    ),
    (
        "table",
        [
            ["Category", "Limit", "Approver"],
            ["Meals", "60 EUR per day", "Team lead"],
            ["Travel", "Economy class only", "Finance"],
            ["Software", "200 EUR per year", "IT desk"],
        ],
    ),
    ("h1", "Engineering"),
    ("h2", "Deploying"),
    (
        "p",
        "Releases are cut from the main branch with the release script. Production deploys "
        "are frozen on Fridays after 14:00.",
    ),
    (
        "code",
        "make release VERSION=1.4.2\n./scripts/deploy --env staging\n./scripts/deploy --env production",
    ),
    ("h2", "On-call"),
    (
        "list",
        [
            "The primary on-call engineer carries the pager for one week.",
            "Handover happens on Mondays at 10:00 in the ops room.",
            "Escalate incidents in the #inc-bridge channel.",
        ],
    ),
    ("page", None),
    ("h1", "Time Off"),
    (
        "p",
        "Everyone gets 28 days of paid leave per year, plus public holidays. Request time "
        "off at least two weeks in advance in the HR portal.",
    ),
    ("h1", "Security"),
    (
        "p",
        "Report phishing emails to security@northwind.example within one hour. Lost badges "
        "are blocked by reception the same day.",
    ),
]

LEVEL = {"title": 1, "h1": 2, "h2": 3, "h3": 4}  # Markdown/HTML levels: the title is h1


def markdown() -> str:
    out: list[str] = []
    for kind, value in HANDBOOK:
        if kind == "page":
            continue
        if kind == "title":
            out.append(f"{value}\n{'=' * len(value)}")  # a setext heading
        elif kind in LEVEL:
            out.append("#" * LEVEL[kind] + " " + value)
        elif kind == "p":
            out.append(value)
        elif kind == "code":
            out.append(f"```bash\n{value}\n```")
        elif kind == "table":
            rows = value
            lines = ["| " + " | ".join(rows[0]) + " |", "|" + "---|" * len(rows[0])]
            lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
            out.append("\n".join(lines))
        elif kind == "list":
            out.append("\n".join(f"- {item}" for item in value))
    return "\n\n".join(out) + "\n"


def html_page() -> str:
    e = html.escape
    body: list[str] = []
    for kind, value in HANDBOOK:
        if kind == "page":
            continue
        if kind in LEVEL:
            n = LEVEL[kind]
            body.append(f"<h{n}>{e(value)}</h{n}>")
        elif kind == "p":
            body.append(f"<p>{e(value)}</p>")
        elif kind == "code":
            body.append(f'<pre><code class="language-bash">{e(value)}</code></pre>')
        elif kind == "table":
            head = "".join(f"<th>{e(c)}</th>" for c in value[0])
            rows = "".join(
                "<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in value[1:]
            )
            body.append(f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{rows}</tbody>\n</table>")
        elif kind == "list":
            body.append("<ul>\n" + "\n".join(f"  <li>{e(i)}</li>" for i in value) + "\n</ul>")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>Northwind Labs Handbook</title>\n"
        "<style>body { font-family: sans-serif; }</style>\n"
        "<script>window.analytics = 'do not index me';</script>\n</head>\n<body>\n"
        '<nav><a href="/">Home</a> | <a href="/search">Search the intranet</a></nav>\n'
        "<main>\n" + "\n".join(body) + "\n</main>\n</body>\n</html>\n"
    )


def text() -> str:
    out: list[str] = []
    for kind, value in HANDBOOK:
        if kind == "page":
            continue
        if kind in LEVEL:
            out.append(value)
        elif kind in ("p", "code"):
            out.append(value)
        elif kind == "table":
            out.append("\n".join("  ".join(f"{c:<20}" for c in r).rstrip() for r in value))
        elif kind == "list":
            out.append("\n".join(f"* {item}" for item in value))
    return "\n\n".join(out) + "\n"


def pdf() -> bytes:
    from fpdf import FPDF

    doc = FPDF(format="A4")
    doc.set_creation_date(dt.datetime(2024, 1, 2, tzinfo=dt.UTC))
    doc.set_title("Northwind Labs Handbook")
    doc.set_margins(20, 20, 20)
    doc.add_page()
    for kind, value in HANDBOOK:
        if kind == "page":
            doc.add_page()
        elif kind in LEVEL:
            level = LEVEL[kind] - 1
            doc.start_section(value, level=level)
            doc.set_font("Helvetica", "B", (20, 16, 13, 12)[level])
            doc.multi_cell(0, 9, value, new_x="LMARGIN", new_y="NEXT")
            doc.ln(2)
        elif kind == "p":
            doc.set_font("Helvetica", "", 11)
            doc.multi_cell(0, 6, value, new_x="LMARGIN", new_y="NEXT")
            doc.ln(4)
        elif kind == "code":
            doc.set_font("Courier", "", 10)
            doc.multi_cell(0, 5, value, new_x="LMARGIN", new_y="NEXT")
            doc.ln(4)
        elif kind == "table":
            doc.set_font("Helvetica", "", 10)
            with doc.table() as table:
                for r in value:
                    row = table.row()
                    for c in r:
                        row.cell(c)
            doc.ln(4)
        elif kind == "list":
            doc.set_font("Helvetica", "", 11)
            for item in value:
                doc.multi_cell(0, 6, f"- {item}", new_x="LMARGIN", new_y="NEXT")
            doc.ln(4)
    return bytes(doc.output())


def encrypted_pdf() -> bytes:
    from fpdf import FPDF

    doc = FPDF()
    doc.set_encryption(owner_password="owner-pw", user_password="s3cret")
    doc.add_page()
    doc.set_font("Helvetica", "", 12)
    doc.multi_cell(0, 6, "Salary bands for 2024 are confidential.")
    return bytes(doc.output())


def docx() -> bytes:
    import io

    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    doc = Document()
    doc.core_properties.created = dt.datetime(2024, 1, 2)
    doc.core_properties.modified = dt.datetime(2024, 1, 2)
    code = doc.styles.add_style("Code", WD_STYLE_TYPE.PARAGRAPH)
    code.font.name = "Courier New"
    code.font.size = Pt(9)
    for kind, value in HANDBOOK:
        if kind == "page":
            doc.add_page_break()
        elif kind == "title":
            doc.add_heading(value, 0)
        elif kind in LEVEL:
            doc.add_heading(value, LEVEL[kind] - 1)
        elif kind == "p":
            doc.add_paragraph(value)
        elif kind == "code":
            for line in value.split("\n"):
                doc.add_paragraph(line, style="Code")
        elif kind == "table":
            table = doc.add_table(rows=len(value), cols=len(value[0]))
            table.style = "Table Grid"
            for r, row in enumerate(value):
                for c, cell in enumerate(row):
                    table.cell(r, c).text = cell
        elif kind == "list":
            for item in value:
                doc.add_paragraph(item, style="List Bullet")
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def main() -> None:
    (HERE / "handbook.md").write_text(markdown(), encoding="utf-8")
    (HERE / "handbook.html").write_text(html_page(), encoding="utf-8")
    (HERE / "handbook.txt").write_text(text(), encoding="utf-8")
    whole = pdf()
    (HERE / "handbook.pdf").write_bytes(whole)
    (HERE / "corrupt.pdf").write_bytes(whole[: len(whole) // 2])
    (HERE / "encrypted.pdf").write_bytes(encrypted_pdf())
    (HERE / "not-really.pdf").write_bytes(
        b"This is a plain text file that someone renamed to .pdf.\n"
    )
    (HERE / "handbook.docx").write_bytes(docx())
    for path in sorted(HERE.iterdir()):
        if path.suffix != ".py":
            print(f"{path.name:18} {path.stat().st_size:6} bytes")


if __name__ == "__main__":
    main()
