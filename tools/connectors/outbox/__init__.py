"""The filesystem outbox connector (one module per version)."""
