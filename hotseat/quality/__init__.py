"""Quality tools: the labelled corpus, the gaming check and the benchmark runner."""
