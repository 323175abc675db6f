"""Root conftest: pytester for the plugin's own tests."""

# Imported once for the whole session: pytester's in-process runs restore sys.modules afterwards,
# so a plugin module first imported inside one (hypothesis' is) would be imported again by every
# run, at over a second each.
import hypothesis  # noqa: F401

pytest_plugins = ["pytester"]
