"""Root conftest: pytester for the plugin's own tests (it imports nothing beyond pytest)."""

pytest_plugins = ["pytester"]
