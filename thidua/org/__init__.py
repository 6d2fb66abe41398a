"""The organisation file: read, check, apply, write (thidua org …)."""
