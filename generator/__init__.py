"""casefolio: a static-site generator for case studies, best practices and productized services."""

__version__ = "0.1.0"
