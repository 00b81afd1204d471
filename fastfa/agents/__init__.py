"""fastfa.agents (see the package docs)."""
