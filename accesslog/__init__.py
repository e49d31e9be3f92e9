"""The access log: who read whose data (docs/access-log.md). The apps that read personal data
call `accesslog.recording.record()`; citizens read their rows at /api/v1/me/access-log/."""
