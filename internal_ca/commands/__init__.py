"""One module per `internal-ca` subcommand: its arguments, and the steps it runs in order."""
