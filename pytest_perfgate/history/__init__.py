"""History of performance runs: a store (SQLite or PostgreSQL), trends and step detection.

- ``store.py``: the small interface every backend offers (``open_store``, ``append_run``, ``runs``);
- ``sqlite.py`` / ``postgres.py``: the backends, one schema (``schema.py``);
- ``context.py``: commit, branch and machine of the run being recorded;
- ``analysis.py``: sparklines, trends and change points (standard library only);
- ``recorder.py``: the controller-side plugin that appends each run (``--perfgate-history``);
- ``check.py``: the per-test gate against the test's own history (``--perfgate-history-check``);
- ``chart.py``: the self-contained HTML page of trend charts (``perfgate history --html``).
"""
