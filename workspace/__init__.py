"""The counter workspace: server-rendered pages for officials (docs/workspace.md)."""
