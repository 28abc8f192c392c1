"""The answer layer: the learned reader (features, sentence and answerability models, reranker), the extractive
composer, citations, prompts for generative mode and the rules; its training is `assistant.training`."""
