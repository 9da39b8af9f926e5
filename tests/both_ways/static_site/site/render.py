"""Render each pages/*.txt (a title line, then paragraphs) as an HTML page."""

import html
import sys
from pathlib import Path

source, out = Path(sys.argv[1]), Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
links = []
for page in sorted(source.glob("*.txt")):
    title, _, body = page.read_text().partition("\n")
    paragraphs = "".join(
        f"<p>{html.escape(p.strip())}</p>" for p in body.split("\n\n") if p.strip()
    )
    name = page.stem + ".html"
    (out / name).write_text(
        f"<html><title>{html.escape(title)}</title><body>{paragraphs}</body></html>\n"
    )
    links.append(f'<li><a href="{name}">{html.escape(title)}</a></li>')
(out / "index.html").write_text(f"<html><body><ul>{''.join(links)}</ul></body></html>\n")
