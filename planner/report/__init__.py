"""Reports: one report model from a run folder, rendered to Markdown and PDF."""
