"""`casefolio serve`: the file watcher and the preview server."""
