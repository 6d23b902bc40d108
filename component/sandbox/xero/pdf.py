"""A small but valid PDF of an invoice, so ``GET /Invoices/{id}/pdf`` returns real PDF bytes.

Clients forward this file (as a WhatsApp document, say); a placeholder string would pass a lazy
test and fail in a PDF viewer, so the sandbox writes a proper one-page document with a correct
cross-reference table.
"""

from __future__ import annotations

from component.sandbox.xero.org import Org
from component.sandbox.xero.records import Invoice


def _escape(text: str) -> str:
    safe = text.encode("latin-1", "replace").decode("latin-1")
    return safe.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def invoice_pdf(org: Org, invoice: Invoice, contact_name: str) -> bytes:
    lines = [
        f"{org.name}",
        f"{'TAX INVOICE' if invoice.type == 'ACCREC' else 'BILL'} {invoice.number}",
        f"To: {contact_name}",
        f"Date: {invoice.date.isoformat()}   Due: "
        f"{invoice.due_date.isoformat() if invoice.due_date else '-'}",
        "",
    ]
    lines += [
        f"{line.description}  x{line.quantity:g}  {line.line_amount:.2f}" for line in invoice.lines
    ]
    lines += [
        "",
        f"Total {invoice.currency} {invoice.total:.2f}",
        f"Amount due {invoice.currency} {invoice.amount_due:.2f}",
        f"Status {invoice.status}",
    ]
    return text_pdf(lines)


def text_pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing ``lines`` (credit notes and quotes use it too)."""
    text_ops = ["BT", "/F1 12 Tf", "14 TL", "50 790 Td"]
    text_ops += [f"({_escape(line)}) Tj T*" for line in lines]
    text_ops.append("ET")
    stream = "\n".join(text_ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)
