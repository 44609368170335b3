"""Pure campaign domain: brief parsing, brief checks, plan building, edits (no LangGraph)."""
