"""The catalogue: one spec per network of the seed lecture (TOML), and generated modules."""
