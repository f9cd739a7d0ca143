"""scaleaudit: evidence-backed production-readiness audits of web applications."""

__version__ = "0.1.0"
