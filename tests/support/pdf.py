"""Reading back the PDFs the application makes (forms, logbooks, e-results)."""

import io

import pypdf


def pdf_text(content: bytes) -> str:
    """The text of every page, whitespace folded (line breaks of wrapped text become one
    space)."""
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = " ".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


def pdf_title(content: bytes) -> str:
    return pypdf.PdfReader(io.BytesIO(content)).metadata.title
