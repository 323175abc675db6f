"""pytest-xdist support, loaded only when xdist is installed."""
