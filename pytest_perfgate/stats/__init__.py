"""Pure statistics, standard library only: summaries, intervals, ranks, fits."""
