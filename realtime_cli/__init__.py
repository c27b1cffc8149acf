"""rt: talk to the OpenAI Realtime API (GA protocol) from a terminal and from Python."""

__version__ = "0.1.0"
