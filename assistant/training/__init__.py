"""Training of the answer layer (`council train-reader`): pairs mined from the councils' papers, the reader's and the
reranker's fit, and the thresholds chosen on the mined validation split. It reads the archive, builds a training
index and asks it (retrieval); the answer layer at question time imports none of it."""
