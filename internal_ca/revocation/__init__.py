"""Revocation: the ledger on disk, CRLs signed by each CA, and which CA issued what."""
