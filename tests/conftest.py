"""Set-up shared by the plugin's own tests."""

# pytester's in-process runs restore sys.modules after each run, so a package first imported inside
# one is imported again by the next: hypothesis's pytest plugin imports hypothesis at the end of every
# run (seconds each time). Imported once here, it stays.
import hypothesis  # noqa: F401
