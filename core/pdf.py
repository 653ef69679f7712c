"""Render PDFs with WeasyPrint, which may read only the bundled static files.

The URL fetcher is the only way WeasyPrint reaches outside the HTML string.
It serves files that resolve inside the project's `static/` directory and
refuses everything else: the network, `data:` URLs, absolute file paths and
any `..` that climbs out of `static/`. User text never becomes a URL because
the templates escape it, but the fetcher does not rely on that.
"""

from __future__ import annotations

import mimetypes
import threading
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.template.loader import render_to_string

STATIC_DIR = (Path(settings.BASE_DIR) / "static").resolve()
# Relative URLs in the PDF templates resolve against this pseudo location;
# `{% static %}` paths ("/static/css/pdf.css") land on it too.
BASE_URL = "file:///static/"
_STATIC_PREFIX = "/" + settings.STATIC_URL.strip("/") + "/"


class ForbiddenURL(ValueError):
    """WeasyPrint asked for something outside the bundled static files."""


def _unhashed(relative: str) -> str:
    """Return the source name of a hashed static name ("css/pdf.6180.css" ->
    "css/pdf.css") when the manifest storage of production (DEBUG off) made
    the `{% static %}` URL; any other name comes back unchanged."""
    hashed_files = getattr(staticfiles_storage, "hashed_files", None)
    if not hashed_files:
        return relative
    if _manifest_names.get("source") is not hashed_files:
        _manifest_names["source"] = hashed_files
        _manifest_names["names"] = {
            hashed: name for name, hashed in hashed_files.items()
        }
    return _manifest_names["names"].get(relative, relative)


_manifest_names: dict = {}


def _safe_static_path(relative: str) -> Path:
    relative = _unhashed(relative)
    parts = PurePosixPath(relative).parts
    if (
        not parts
        or any(part in ("..", "") for part in parts)
        or relative.startswith("/")
    ):
        raise ForbiddenURL(f"Refused path {relative!r}")
    path = (STATIC_DIR / PurePosixPath(*parts)).resolve()
    if not path.is_relative_to(STATIC_DIR) or not path.is_file():
        raise ForbiddenURL(f"Refused path {relative!r}")
    return path


def static_path_for(url: str) -> Path:
    """Return the file under static/ that `url` names, or raise ForbiddenURL.

    Accepted: "css/pdf.css", "/static/css/pdf.css", "file:///static/css/pdf.css"
    and a file:// URL of a file inside the real static directory.
    """
    if "\\" in url or "\x00" in url:
        raise ForbiddenURL(f"Refused URL {url!r}")
    parsed = urlparse(url)
    if parsed.scheme == "" and not parsed.netloc:
        path = unquote(parsed.path)
        if path.startswith(_STATIC_PREFIX):
            return _safe_static_path(path[len(_STATIC_PREFIX) :])
        return _safe_static_path(path)
    if parsed.scheme == "file" and parsed.netloc in ("", "localhost"):
        path = unquote(parsed.path)
        if path.startswith(_STATIC_PREFIX):
            return _safe_static_path(path[len(_STATIC_PREFIX) :])
        real_prefix = STATIC_DIR.as_posix().rstrip("/") + "/"
        if path.startswith(real_prefix):
            return _safe_static_path(path[len(real_prefix) :])
    raise ForbiddenURL(f"Refused URL {url!r}")


def static_url_fetcher(url: str) -> Any:
    """Return the file under static/ that `url` names as WeasyPrint's
    URLFetcherResponse, or raise ForbiddenURL."""
    from weasyprint.urls import URLFetcherResponse

    path = static_path_for(url)
    mime_type, _encoding = mimetypes.guess_type(path.name)
    return URLFetcherResponse(
        path.as_uri(),
        path.read_bytes(),
        {"Content-Type": mime_type or "application/octet-stream"},
    )


# A drawing the server made for this one PDF (the aftercare sheet's leg map),
# given to render_pdf in the context's "pdf_images" {name: SVG} and named in
# the HTML as <img src="sclero-drawing:NAME">: WeasyPrint reads it as an
# image, without styling each of its elements as part of the page first.
DRAWING_SCHEME = "sclero-drawing:"


def _static_fetcher(drawings: dict[str, str] | None = None) -> Any:
    """A WeasyPrint URLFetcher that serves only files under static/, and the
    render's own `drawings` by name.

    It opens no connection and no file of its own: `fetch` hands every other
    URL to `static_url_fetcher`; WeasyPrint logs a refused URL and leaves
    that resource out, as it does for a missing image.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticURLFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith(DRAWING_SCHEME):
                name = url[len(DRAWING_SCHEME) :]
                if drawings is None or name not in drawings:
                    raise ForbiddenURL(f"Refused URL {url!r}")
                return URLFetcherResponse(
                    url,
                    drawings[name].encode(),
                    {"Content-Type": "image/svg+xml"},
                )
            return static_url_fetcher(url)

    return StaticURLFetcher(allowed_protocols=("file",), fail_on_errors=False)


# What every render of a thread can share, made once: the font configuration
# (fontconfig's lookups and the fonts WeasyPrint loaded) and pdf.css parsed.
# Per thread, because Pango's font map is not safe to share between threads
# (gunicorn's gthread workers). No image cache: it is keyed on the URL, and a
# drawing's name is its session's, not its content's.
_shared = threading.local()


def shared_options() -> dict:
    """WeasyPrint's keyword arguments for render() or write_pdf(), the same
    objects for every PDF of this thread."""
    options = getattr(_shared, "options", None)
    if options is None:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()
        stylesheet = weasyprint.CSS(
            url=BASE_URL + "css/pdf.css",
            url_fetcher=_static_fetcher(),
            font_config=font_config,
        )
        options = {"font_config": font_config, "stylesheets": [stylesheet]}
        _shared.options = options
    return options


def pdf_html(template: str, context: dict) -> str:
    """The HTML of `template` for WeasyPrint: without the <link> to pdf.css
    (`shared_stylesheet` tells base_pdf.html), which comes parsed."""
    return render_to_string(template, {**context, "shared_stylesheet": True})


def user_agent_stylesheet(name: str) -> Any:
    """The parsed user-agent stylesheet static/`name`, once per thread."""
    sheets = getattr(_shared, "user_agent", None)
    if sheets is None:
        sheets = _shared.user_agent = {}
    sheet = sheets.get(name)
    if sheet is None:
        import weasyprint

        sheet = sheets[name] = weasyprint.CSS(
            url=BASE_URL + name,
            url_fetcher=_static_fetcher(),
            font_config=shared_options()["font_config"],
        )
    return sheet


def html_document(
    html: str, drawings: dict[str, str] | None = None, user_agent: str | None = None
) -> Any:
    """WeasyPrint's HTML of `html`, which may read only the static files and
    `drawings`. `user_agent` names a static stylesheet to use in place of
    WeasyPrint's user-agent styles (a template's own subset of them: matching
    WeasyPrint's ~190 rules against every element is a good part of a short
    document's layout); None keeps WeasyPrint's."""
    # Imported here: loading WeasyPrint (Pango, fonts) is slow and only the
    # PDF views need it.
    import weasyprint

    if user_agent is None:
        return weasyprint.HTML(
            string=html, base_url=BASE_URL, url_fetcher=_static_fetcher(drawings)
        )
    sheet = user_agent_stylesheet(user_agent)

    class OwnUserAgentHTML(weasyprint.HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list:
            return [sheet]

    return OwnUserAgentHTML(
        string=html, base_url=BASE_URL, url_fetcher=_static_fetcher(drawings)
    )


def render_pdf(template: str, context: dict) -> bytes:
    """Render `template` with `context` and return the PDF bytes. The
    context's "pdf_images" are its drawings, "pdf_user_agent" its user-agent
    stylesheet (html_document)."""
    return html_document(
        pdf_html(template, context),
        context.get("pdf_images"),
        context.get("pdf_user_agent"),
    ).write_pdf(**shared_options())
