"""What a stack issued: its outputs, the facts of each certificate, and checks on them."""
