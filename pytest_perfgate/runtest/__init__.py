"""Running a performance test: the session state, the call wrapper, the fixture, memory and profile."""
