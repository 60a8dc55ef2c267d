"""CDKTF stacks: each stack is one CA with its own state."""
