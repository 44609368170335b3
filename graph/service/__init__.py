"""The only API adapters call (``campaigns``), its read models and the composition root."""
