"""Data Docs that open offline: GX's pages load jQuery, Bootstrap, Vega and Font Awesome from CDNs, so on an
intranet without Internet `index.html` was blank. After each build the bundled copies (`vendor/`, see its
README) go into the site's `static/vendor/` and every page points at them by a relative path, which works
from the reports server and from a file alike."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

VENDOR = Path(__file__).parent / "vendor"
# Each address GX 1.x writes into its pages, and the bundled file that replaces it.
ASSETS = {
    "https://code.jquery.com/jquery-3.7.1.min.js": "jquery.min.js",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "bootstrap.min.css",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "bootstrap.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "popper.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "bootstrap-table.min.css",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "bootstrap-table-filter-control.min.js",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.min.css":
        "bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "bootstrap-datepicker.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "bootstrap-prefers-dark.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "fontawesome/css/all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "vega-embed.min.js",
}
# GX's logo comes from S3 with a cache-busting query; the site's own static folder has the same image.
LOGO = re.compile(r"https://great-expectations-web-assets\.s3\.[a-z0-9-]+\.amazonaws\.com/logo-long\.png\?[^\"']*")
# What a page loads (scripts, styles, images), as opposed to links a reader may follow to GX's site.
# GX links the favicon one folder short on result pages (four deep): point it where the file is.
FAVICON = re.compile(r"(?:\.\./)*static/images/favicon\.ico")
LOADED = re.compile(r"""<(?:script|link|img)\b[^>]*?(?:src|href)=["'](https?://[^"']+)["']""", re.IGNORECASE)


def make_offline(site: Path) -> list[str]:
    """Bundle the assets into `site` and rewrite its pages; return the remote addresses still loaded (none
    unless GX changed its templates: the caller logs them, a test fails on them)."""
    target = site / "static" / "vendor"
    shutil.copytree(VENDOR, target, dirs_exist_ok=True, copy_function=_link_or_copy,
                    ignore=shutil.ignore_patterns("README.md"))
    remaining = set()
    for page in site.rglob("*.html"):
        html = page.read_text("utf-8")
        prefix = Path(os.path.relpath(site / "static", page.parent)).as_posix()
        for url, local in ASSETS.items():
            html = html.replace(f'"{url}"', f'"{prefix}/vendor/{local}"')
        html = LOGO.sub(f"{prefix}/images/logo-long.png", html)
        html = FAVICON.sub(f"{prefix}/images/favicon.ico", html)
        page.write_text(html, "utf-8")
        remaining.update(LOADED.findall(html))
    return sorted(remaining)


def _link_or_copy(source: str, destination: str) -> None:
    """A hard link where the output folder shares the file system (1.9 MB per run otherwise)."""
    if os.path.exists(destination):
        os.remove(destination)
    try:
        os.link(source, destination)
    except OSError:
        shutil.copy2(source, destination)
