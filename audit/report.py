"""The report: run the readiness notebook with papermill, export HTML with nbconvert, print a PDF.

``run_report`` writes, into ``out_dir``:

- ``readiness.ipynb``: the executed notebook (with outputs);
- ``readiness.html``: the notebook without any code (nbconvert ``HTMLExporter`` with
  ``exclude_input``), styled by the ``scaleaudit`` template (it extends JupyterLab's ``lab``
  template and adds print CSS for A4);
- ``readiness.pdf``: that HTML printed by WeasyPrint (default) or headless Chromium;
- ``readiness.json``: only when the notebook scanned the project itself (no ``audit_json``).

A failure while printing the PDF never loses the HTML: it is reported in the result's
``errors`` and logged, and ``pdf`` is ``None``.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

from audit.catalog import data_dir

log = logging.getLogger(__name__)

PDF_ENGINES = ("weasyprint", "chromium", "none")
CHROMIUM = "/usr/bin/chromium"
NOTEBOOK = "readiness.ipynb"
TEMPLATE = "scaleaudit"
DSN_ENV = "SCALEAUDIT_DSN"  # same name as audit.present.DSN_ENV (kept import-free here)


class ReportError(RuntimeError):
    """The report notebook could not be executed or exported."""


# --------------------------------------------------------------------------- locating data


def notebooks_dir() -> Path:
    return data_dir("notebooks")


def templates_dir() -> Path:
    return data_dir("templates")


# --------------------------------------------------------------------------- helpers


@contextlib.contextmanager
def _kernel_env(dsn: str | None) -> Iterator[None]:
    """Environment the kernel inherits: the package importable, and the DSN out of the notebook.

    The DSN travels in an environment variable, never as a papermill parameter, because
    parameters are written into the executed notebook and credentials must not be.
    """
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", DSN_ENV)}
    pkg_parent = str(Path(__file__).resolve().parent.parent)
    paths = [p for p in (os.environ.get("PYTHONPATH") or "").split(os.pathsep) if p]
    if pkg_parent not in paths:
        os.environ["PYTHONPATH"] = os.pathsep.join([pkg_parent, *paths])
    if dsn:
        os.environ[DSN_ENV] = dsn
    else:
        os.environ.pop(DSN_ENV, None)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _export_copy(nb: Any) -> Any:
    """The notebook as exported: no code cells without output, no stderr streams, no parameters."""
    nb = copy.deepcopy(nb)
    kept = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            kept.append(cell)
            continue
        tags = set(cell.metadata.get("tags") or [])
        if tags & {"parameters", "injected-parameters"}:
            continue
        outputs = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                text = "".join(out.get("text", "")) if isinstance(out.get("text"), list) else out.get("text", "")
                log.warning("report notebook wrote to stderr: %s", text.strip()[:2000])
                continue
            outputs.append(out)
        cell.outputs = outputs
        if outputs:
            kept.append(cell)
    nb.cells = kept
    return nb


def export_html(nb: Any, html_path: Path, title: str | None = None) -> Path:
    """Write ``nb`` (a NotebookNode) as HTML without code, using the scaleaudit template."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name=TEMPLATE,
        extra_template_basedirs=[str(templates_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        theme="light",
    )
    nb = _export_copy(nb)
    if title:
        nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title or "readiness"}})
    html_path.write_text(body, encoding="utf-8")
    return html_path


def _weasyprint_pdf(html_path: Path, pdf_path: Path) -> None:
    import weasyprint

    # Only local files and data: URIs (the charts) may be loaded; the report never needs the network.
    if hasattr(weasyprint, "URLFetcher"):
        fetcher: Any = weasyprint.URLFetcher(allowed_protocols={"file", "data"})
    else:  # WeasyPrint < 66

        def fetcher(url: str, *args: Any, **kwargs: Any) -> Any:
            if not url.startswith(("file:", "data:")):
                raise ValueError(f"refusing to fetch {url!r} while printing the report")
            return weasyprint.default_url_fetcher(url, *args, **kwargs)

    wlog = logging.getLogger("weasyprint")
    level = wlog.level
    wlog.setLevel(logging.ERROR)  # JupyterLab's CSS has many properties WeasyPrint ignores, each a warning
    try:
        # presentational_hints: honour <img width=...>, so charts print at their size in inches
        weasyprint.HTML(filename=str(html_path), url_fetcher=fetcher).write_pdf(str(pdf_path), presentational_hints=True)
    finally:
        wlog.setLevel(level)


def _chromium_pdf(html_path: Path, pdf_path: Path, chromium: str = CHROMIUM, timeout: float = 120) -> None:
    exe = chromium if Path(chromium).exists() else shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise FileNotFoundError(f"headless Chromium not found at {chromium} or on PATH")
    with tempfile.TemporaryDirectory(prefix="scaleaudit-chromium-") as profile:
        cmd = [
            exe,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
            f"--user-data-dir={profile}",
            f"--print-to-pdf={pdf_path}",
            html_path.resolve().as_uri(),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0 or not pdf_path.exists() or pdf_path.stat().st_size == 0:
        tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-5:]
        raise RuntimeError(f"chromium exited with {proc.returncode}: " + " | ".join(tail))


def html_to_pdf(html_path: str | os.PathLike[str], pdf_path: str | os.PathLike[str], engine: str = "weasyprint") -> Path:
    """Print ``html_path`` to ``pdf_path`` with WeasyPrint or headless Chromium."""
    html_path, pdf_path = Path(html_path), Path(pdf_path)
    if engine == "weasyprint":
        _weasyprint_pdf(html_path, pdf_path)
    elif engine == "chromium":
        _chromium_pdf(html_path, pdf_path)
    else:
        raise ValueError(f"unknown PDF engine {engine!r}; use one of {', '.join(PDF_ENGINES)}")
    with open(pdf_path, "rb") as fh:
        if fh.read(5) != b"%PDF-":
            raise RuntimeError(f"{pdf_path} is not a PDF")
    return pdf_path


# --------------------------------------------------------------------------- the pipeline


def run_report(
    project_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    profile: str = "10k",
    concurrent_users: int | None = None,
    pdf: str = "weasyprint",
    audit_json: str | os.PathLike[str] | None = None,
    dsn: str | None = None,
    kernel_name: str = "python3",
    timeout: float | None = 600,
) -> dict:
    """Execute the readiness notebook and export it.

    ``audit_json`` names a ``readiness.json`` to render instead of scanning (the CLI writes
    it first, so the report and the JSON agree). ``pdf`` is ``"weasyprint"``, ``"chromium"``
    or ``"none"``. ``dsn`` reaches the notebook through the environment, never its parameters.

    Returns ``{"notebook", "html", "pdf", "json", "timings", "errors"}``: the paths written
    (``pdf`` / ``json`` are ``None`` when not written), ``timings`` in seconds per stage
    (``kernel``, ``html``, ``pdf``, ``total``), and ``errors`` by stage (only ``pdf`` can
    fail without raising; a failing notebook or HTML export raises ``ReportError``).
    """
    import nbformat
    import papermill

    if pdf not in PDF_ENGINES:
        raise ValueError(f"unknown PDF engine {pdf!r}; use one of {', '.join(PDF_ENGINES)}")
    started = time.perf_counter()
    out = Path(out_dir).resolve()
    out.mkdir(parents=True, exist_ok=True)
    source = notebooks_dir() / NOTEBOOK
    if not source.is_file():
        raise ReportError(f"report notebook not found: {source}")
    executed = out / NOTEBOOK
    parameters = {
        "project_path": str(project_path),
        "profile": profile,
        "concurrent_users": concurrent_users,
        "dsn": None,
        "output_dir": None if audit_json else str(out),
        "audit_json": str(Path(audit_json).resolve()) if audit_json else None,
    }
    timings: dict[str, float] = {}
    errors: dict[str, str] = {}

    t0 = time.perf_counter()
    try:
        with _kernel_env(dsn):
            papermill.execute_notebook(
                str(source),
                str(executed),
                parameters=parameters,
                kernel_name=kernel_name,
                cwd=os.getcwd(),  # relative project paths mean what the caller meant
                progress_bar=False,
                request_save_on_cell_execute=False,
                execution_timeout=timeout,
                # the kernel's own log (transport warnings, "KeyboardInterrupt caught" at shutdown)
                # is noise here; cell errors still raise through papermill
                extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            )
    except Exception as exc:  # papermill.PapermillExecutionError and kernel start failures
        raise ReportError(f"the report notebook failed ({type(exc).__name__}): {exc}\nexecuted notebook: {executed}") from exc
    timings["kernel"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    nb = nbformat.read(executed, as_version=4)
    title = _title(out, audit_json)
    html_path = out / "readiness.html"
    try:
        export_html(nb, html_path, title=title)
    except Exception as exc:
        raise ReportError(f"HTML export failed ({type(exc).__name__}): {exc}") from exc
    timings["html"] = time.perf_counter() - t0

    pdf_path: Path | None = None
    if pdf != "none":
        t0 = time.perf_counter()
        target = out / "readiness.pdf"
        try:
            pdf_path = html_to_pdf(html_path, target, engine=pdf)
        except Exception as exc:  # the HTML stays; the caller decides how loud to be
            errors["pdf"] = f"PDF ({pdf}) failed, HTML kept at {html_path}: {type(exc).__name__}: {exc}"
            log.error("%s", errors["pdf"])
            with contextlib.suppress(OSError):
                if target.exists() and target.stat().st_size == 0:
                    target.unlink()
        timings["pdf"] = time.perf_counter() - t0

    json_path = out / "readiness.json"
    timings["total"] = time.perf_counter() - started
    return {
        "notebook": executed,
        "html": html_path,
        "pdf": pdf_path,
        "json": json_path if (audit_json is None and json_path.exists()) else None,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "errors": errors,
    }


def _title(out: Path, audit_json: Any) -> str:
    """``Readiness report: <target name>`` from the document the notebook rendered."""
    import json

    path = Path(audit_json) if audit_json else out / "readiness.json"
    try:
        name = json.loads(path.read_text(encoding="utf-8")).get("target", {}).get("name")
    except (OSError, ValueError, AttributeError):
        name = None
    return f"Readiness report: {name}" if name else "Readiness report"
