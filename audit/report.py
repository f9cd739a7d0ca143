"""The report: run the readiness notebook with papermill, export HTML with nbconvert, print a PDF.

``run_report`` writes, into ``out_dir``:

- ``readiness.ipynb``: the executed notebook (with outputs);
- ``readiness.html``: the notebook without any code (nbconvert ``HTMLExporter`` with
  ``exclude_input``), styled by the ``scaleaudit`` template (it extends JupyterLab's ``lab``
  template and adds print CSS for A4);
- ``readiness.pdf``: that HTML printed by WeasyPrint (default) or headless Chromium;
- ``readiness.json``: only when the notebook scanned the project itself (no ``audit_json``);
- the per-area deep dives (``DEEP_DIVES``: database, capacity, frontend, infrastructure, live_postgres):
  each ``<name>.ipynb`` executed with the same parameters and the same document (the main
  notebook's ``readiness.json`` when it scanned), and ``<name>.html`` (no PDF). The main report
  links to them by these relative names.

A failure while printing the PDF, or in a deep dive, never loses the main HTML: it is reported in
the result's ``errors`` and logged (``pdf`` is ``None``, the deep dive is missing from ``deep_dives``).

The deep dives run in background threads (each in its own kernel) while the main notebook runs and
its PDF prints, so they add less than their own run time to the total.
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
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Iterator

from audit.catalog import data_dir

log = logging.getLogger(__name__)

PDF_ENGINES = ("weasyprint", "chromium", "none")
CHROMIUM = "/usr/bin/chromium"
NOTEBOOK = "readiness.ipynb"
TEMPLATE = "scaleaudit"
DSN_ENV = "SCALEAUDIT_DSN"  # same name as audit.present.DSN_ENV (kept import-free here)
#: the deep-dive notebooks and their titles (the same as audit.present.DEEP_DIVES, kept import-free here)
DEEP_DIVES: dict[str, str] = {
    "database": "Database",
    "capacity": "Pools & capacity",
    "frontend": "Front end",
    "infrastructure": "Infrastructure",
    "live_postgres": "Live and shadow database",
}
#: deep dives executed at once (each its own kernel), next to the main notebook and the PDF
DEEP_DIVE_WORKERS = 2


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


def _execute(source: Path, executed: Path, parameters: dict, kernel_name: str, timeout: float | None) -> None:
    """papermill, with the kernel's own log (transport warnings, "KeyboardInterrupt caught" at
    shutdown) silenced; cell errors still raise through papermill.

    The kernel talks over Unix sockets in a private temporary folder, not TCP: kernels started at
    the same time (the deep dives run in parallel) would otherwise race for the same free ports
    ("Address already in use", "Kernel died before replying to kernel_info").
    """
    import papermill

    extra: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        if os.name == "posix":
            from traitlets.config import Config

            sockets = stack.enter_context(tempfile.TemporaryDirectory(prefix="scaleaudit-kernel-"))
            config = Config()
            config.KernelManager.transport = "ipc"
            config.KernelManager.ip = os.path.join(sockets, "k")
            extra["config"] = config
        papermill.execute_notebook(
            str(source),
            str(executed),
            parameters=parameters,
            kernel_name=kernel_name,
            cwd=os.getcwd(),  # relative project paths mean what the caller meant
            progress_bar=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
            **extra,
        )


def _deep_dive(name: str, out: Path, parameters: dict, kernel_name: str, timeout: float | None, target: str | None) -> Path:
    """Execute the deep dive ``name`` into ``out/<name>.ipynb`` and export ``out/<name>.html``."""
    import nbformat

    source = notebooks_dir() / f"{name}.ipynb"
    if not source.is_file():
        raise ReportError(f"deep-dive notebook not found: {source}")
    executed = out / f"{name}.ipynb"
    try:
        _execute(source, executed, parameters, kernel_name, timeout)
    except Exception as exc:
        raise ReportError(f"the {name} deep dive failed ({type(exc).__name__}): {exc}\nexecuted notebook: {executed}") from exc
    title = f"{DEEP_DIVES.get(name, name)}: {target}" if target else DEEP_DIVES.get(name, name)
    return export_html(nbformat.read(executed, as_version=4), out / f"{name}.html", title=title)


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
    deep_dives: bool = True,
) -> dict:
    """Execute the readiness notebook and the deep dives, and export them.

    ``audit_json`` names a ``readiness.json`` to render instead of scanning (the CLI writes
    it first, so the report and the JSON agree). ``pdf`` is ``"weasyprint"``, ``"chromium"``
    or ``"none"``. ``dsn`` reaches the notebooks through the environment, never their parameters.
    ``deep_dives=False`` writes the main report alone.

    Returns ``{"notebook", "html", "pdf", "json", "deep_dives", "timings", "errors"}``: the paths
    written (``pdf`` / ``json`` are ``None`` when not written; ``deep_dives`` maps each deep dive
    written to its HTML), ``timings`` in seconds per stage (``kernel``, ``html``, ``pdf``,
    ``deep_dives``: from the first deep dive started to the last one written, mostly in parallel
    with the others; ``total``), and ``errors`` by stage (``pdf`` and ``deep dive <name>`` can fail
    without raising; a failing main notebook or HTML export raises ``ReportError``).
    """
    import nbformat

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
    futures: dict[str, Future] = {}
    deep_started: float | None = None
    json_path = out / "readiness.json"

    with _kernel_env(dsn), ThreadPoolExecutor(max_workers=DEEP_DIVE_WORKERS, thread_name_prefix="deep-dive") as pool:

        def start_deep_dives(document: Path) -> None:
            nonlocal deep_started
            target = _target_name(document)
            deep = {**parameters, "output_dir": None, "audit_json": str(document)}
            deep_started = time.perf_counter()
            for name in DEEP_DIVES:
                futures[name] = pool.submit(_deep_dive, name, out, deep, kernel_name, timeout, target)

        # With a document given, the deep dives render it while the main notebook does; otherwise
        # they wait for the main notebook's scan (its readiness.json), so that all agree.
        if deep_dives and audit_json:
            start_deep_dives(Path(audit_json).resolve())
        t0 = time.perf_counter()
        try:
            _execute(source, executed, parameters, kernel_name, timeout)
        except Exception as exc:  # papermill.PapermillExecutionError and kernel start failures
            for f in futures.values():
                f.cancel()
            raise ReportError(f"the report notebook failed ({type(exc).__name__}): {exc}\nexecuted notebook: {executed}") from exc
        timings["kernel"] = time.perf_counter() - t0
        if deep_dives and not audit_json:
            if json_path.is_file():
                start_deep_dives(json_path)
            else:
                errors["deep dives"] = f"not run: the report notebook wrote no {json_path.name} for them to render"

        t0 = time.perf_counter()
        nb = nbformat.read(executed, as_version=4)
        title = _title(out, audit_json)
        html_path = out / "readiness.html"
        try:
            export_html(nb, html_path, title=title)
        except Exception as exc:
            for f in futures.values():
                f.cancel()
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

        written: dict[str, Path] = {}
        for name, future in futures.items():
            try:
                written[name] = future.result()
            except Exception as exc:  # the main report stands; its link to this deep dive is dead
                errors[f"deep dive {name}"] = f"{type(exc).__name__}: {exc}"
                log.error("deep dive %s failed: %s", name, exc)
        if deep_started is not None:
            timings["deep_dives"] = time.perf_counter() - deep_started

    timings["total"] = time.perf_counter() - started
    return {
        "notebook": executed,
        "html": html_path,
        "pdf": pdf_path,
        "json": json_path if (audit_json is None and json_path.exists()) else None,
        "deep_dives": written,
        "timings": {k: round(v, 3) for k, v in timings.items()},
        "errors": errors,
    }


def _target_name(path: Path) -> str | None:
    """The target's name in the document at ``path`` (None when it cannot be read)."""
    import json

    try:
        return json.loads(path.read_text(encoding="utf-8")).get("target", {}).get("name")
    except (OSError, ValueError, AttributeError):
        return None


def _title(out: Path, audit_json: Any) -> str:
    """``Readiness report: <target name>`` from the document the notebook rendered."""
    name = _target_name(Path(audit_json) if audit_json else out / "readiness.json")
    return f"Readiness report: {name}" if name else "Readiness report"
