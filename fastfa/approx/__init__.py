"""fastfa.approx (see the package docs)."""
