"""`casefolio deploy`: publish the output folder to a host, uploading only what changed.

plan      what to upload and delete, as pure functions of two listings
headers   the hosting policy: Content-Type, Cache-Control, security headers, `_headers`
publish   pick the target, build, run it: the one entry point the CLI calls
s3, gh_pages, rsync, folder   one module per kind of target
"""
