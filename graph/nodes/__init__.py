"""One thin LangGraph adapter per campaign-graph node."""
