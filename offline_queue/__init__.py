"""Durable SQLite journal: offline store-and-forward of transactions and the anonymous event journal."""
