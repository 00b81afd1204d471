"""fastfa.features (see the package docs)."""
