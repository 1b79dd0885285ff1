"""Local servers that speak model-serving protocols, for tests and benchmarks."""
