"""What the user asked for, read once: settings, targets, markers, test-id patterns, time scale."""
