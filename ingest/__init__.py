"""Ingestion: sources -> documents -> clean text -> chunks -> lexical and dense index."""
