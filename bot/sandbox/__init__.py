"""The local Bot API stand-in, an Application that reports when an update is done, and the
terminal chat that uses both (the console sandbox)."""
