"""fastfa.policies (see the package docs)."""
