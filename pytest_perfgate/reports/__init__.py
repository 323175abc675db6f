"""Reports: each reads the records collected from the test reports, nothing else."""
