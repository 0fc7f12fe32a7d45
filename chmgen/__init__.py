"""chmgen: static site generator for national CBD Clearing-House Mechanism websites."""

__version__ = "0.1.0"
