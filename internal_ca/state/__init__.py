"""Where state lives and how it is protected: local files, PostgreSQL, locks."""
