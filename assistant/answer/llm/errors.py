"""The errors of the chat models; their messages are German (shown to users)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:

    pass


class LLMError(RuntimeError):
    """Base class of the errors of this module; messages are German (shown to users)."""


class LLMNotConfiguredError(LLMError):
    """Neither an endpoint nor a GGUF file is configured."""


class LLMUnavailableError(LLMError):
    """The configured model cannot be reached or loaded."""

    def __init__(self, message: str, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url
