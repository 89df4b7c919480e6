"""ipywidgets views (thin): they display what the core and the job system report."""

from .job_progress import JobProgress

__all__ = ["JobProgress"]
