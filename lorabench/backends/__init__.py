"""Backends by name. Heavy libraries (torch, transformers) are imported inside the backend that uses them."""

from lorabench.backends.base import Backend, Generation, GenerationParams, ModelSpec, Request

__all__ = ["Backend", "Generation", "GenerationParams", "ModelSpec", "Request"]
