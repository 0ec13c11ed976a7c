"""Signal receivers that write the audit log."""
