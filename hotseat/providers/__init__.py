"""Chat models behind one narrow boundary: `ChatModel` (real: LangChain ChatOpenAI; fake for tests)."""

from hotseat.providers.base import ChatMessage, ChatModel, Usage

__all__ = ["ChatMessage", "ChatModel", "Usage"]
