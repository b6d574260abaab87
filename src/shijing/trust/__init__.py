"""Trust scores: definitions, the daily scoring pipeline and explanations."""
