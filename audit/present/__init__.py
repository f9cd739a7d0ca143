"""What the readiness notebook shows, computed from the JSON document (docs/contract.md).

Every function takes the document dict and returns a dict, a ``pandas.DataFrame``, an HTML
string or a matplotlib ``Figure``; the notebook only calls them and displays the result, so
all presentation logic is tested in ``tests/test_report.py``. Anything that comes from the
audited repository is untrusted text: the HTML is escaped.

Modules:

- ``load``: ``load_document`` and safe accessors over the document;
- ``format``: numbers, percentages, locations, settings, escaping, badges;
- ``frames``: the summary, scores, roadmap, findings and what could not be read, as DataFrames;
- ``database``: schema, queries and index coverage, as DataFrames;
- ``capacity``: pools, the capacity estimate and the deployment facts, as DataFrames;
- ``frontend``: the Vite apps, their config, the built bundle and its download time, as DataFrames;
- ``charts``: seaborn figures and their PNG / ``IPython.display.Image`` forms;
- ``html``: ``html_table`` and ``figure_html``, the building blocks;
- ``sections``: one ``*_html`` function per section of the report.
"""

from audit.model import SEVERITIES
from audit.present.capacity import (
    capacity_inputs_frame,
    capacity_summary,
    capacity_table_frame,
    connection_budget_frame,
    needed_arithmetic,
    pooler_urls_frame,
    poolers_frame,
    pools_frame,
    processes_frame,
    sensitivity_frame,
    server_limits_frame,
)
from audit.present.charts import (
    area_chart,
    bundle_kind_chart,
    connection_budget_chart,
    figure_image,
    figure_png,
    index_coverage_chart,
    package_chart,
)
from audit.present.database import (
    index_coverage_frame,
    queries_frame,
    queries_summary,
    query_findings_frame,
    schema_frame,
    schema_summary,
    tables_frame,
)
from audit.present.format import (
    badge,
    esc,
    fmt_factor,
    fmt_known,
    fmt_number,
    fmt_pct,
    fmt_subject,
    fmt_value,
    grade_for,
    location,
    prose,
    shorten,
)
from audit.present.frontend import (
    apps_frame,
    assets_frame,
    budget_verdict,
    bundle_totals,
    bytes_by_kind_frame,
    download_frame,
    frontend_summary,
    packages_frame,
    serving_frame,
    source_signals,
    vite_config_frame,
)
from audit.present.frames import (
    assumptions_frame,
    finding_groups,
    findings_frame,
    not_applied_frame,
    points_breakdown,
    points_frame,
    roadmap_frame,
    roadmap_phases,
    scorecard_frame,
    skipped_frame,
    summary,
    undecided_frame,
    unparsed_frame,
    unparsed_queries_frame,
    waived_frame,
)
from audit.present.html import figure_html, html_table
from audit.present.load import load_document
from audit.present.sections import (
    about_html,
    capacity_html,
    database_html,
    deploy_html,
    findings_html,
    frontend_html,
    not_read_html,
    points_html,
    pools_html,
    queries_html,
    roadmap_html,
    schema_html,
    scorecard_html,
    summary_html,
)

__all__ = [
    "SEVERITIES",
    "about_html",
    "apps_frame",
    "area_chart",
    "assets_frame",
    "assumptions_frame",
    "badge",
    "budget_verdict",
    "bundle_kind_chart",
    "bundle_totals",
    "bytes_by_kind_frame",
    "capacity_html",
    "capacity_inputs_frame",
    "capacity_summary",
    "capacity_table_frame",
    "connection_budget_chart",
    "connection_budget_frame",
    "database_html",
    "deploy_html",
    "download_frame",
    "esc",
    "figure_html",
    "figure_image",
    "figure_png",
    "finding_groups",
    "findings_frame",
    "findings_html",
    "fmt_factor",
    "fmt_known",
    "fmt_number",
    "fmt_pct",
    "fmt_subject",
    "fmt_value",
    "frontend_html",
    "frontend_summary",
    "grade_for",
    "html_table",
    "index_coverage_chart",
    "index_coverage_frame",
    "load_document",
    "location",
    "needed_arithmetic",
    "not_applied_frame",
    "not_read_html",
    "package_chart",
    "packages_frame",
    "points_breakdown",
    "points_frame",
    "points_html",
    "pooler_urls_frame",
    "poolers_frame",
    "pools_frame",
    "pools_html",
    "processes_frame",
    "prose",
    "queries_frame",
    "queries_html",
    "queries_summary",
    "query_findings_frame",
    "roadmap_frame",
    "roadmap_html",
    "roadmap_phases",
    "schema_frame",
    "schema_html",
    "schema_summary",
    "scorecard_frame",
    "scorecard_html",
    "sensitivity_frame",
    "server_limits_frame",
    "serving_frame",
    "shorten",
    "skipped_frame",
    "source_signals",
    "summary",
    "summary_html",
    "tables_frame",
    "undecided_frame",
    "unparsed_frame",
    "unparsed_queries_frame",
    "vite_config_frame",
    "waived_frame",
]
