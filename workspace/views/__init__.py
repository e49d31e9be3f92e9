"""The workspace's pages: my work, intake at the counter, a dossier and its actions."""
