"""Training data for a learned answer reader: (question, answer passage) pairs mined from council papers."""
