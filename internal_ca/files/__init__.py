"""Writing files that may hold keys: atomically, with private modes, never into git."""
