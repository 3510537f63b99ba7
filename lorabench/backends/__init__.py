"""Backends: what turns rendered prompts into answers for one kind of model (transformers, unsloth, llama.cpp,
an OpenAI-compatible server, vLLM, and the oracle and scripted fakes).

Adding one:
1. Write `lorabench/backends/<name>.py` with a subclass of `base.Backend` (or `templated.TemplatedBackend`
   to render prompts with a Hugging Face chat template) and decorate it with
   `@register_backend("<name>", keys={...})`: the registry name and the keys its entries may use besides
   backend, description, batch_size, max_new_tokens and adapter_of; a key it does not declare is a one-line
   error naming the file and the model. Typed checks of its own values go in `check_registry_entry`.
2. Implement `identity` (what makes its outputs what they are: part of the cache key), `render` (the prompt
   text, also part of the key) and `generate_stream` (answers as each finishes; `stream_by_batch` when the
   backend answers whole batches). `availability`, `stream_chat` and `close` are optional.
3. Import heavy libraries (torch, transformers, the engine) inside the methods that load or run the model,
   never at module level: every backend module is imported to build the registry, and listing models must
   stay quick. Add the module's name to `registration.BACKEND_MODULES`.
4. Test it with a registry entry in a `--models-file` (tests/test_backend_registration.py shows a toy one).
"""

from lorabench.backends.base import Backend, Generation, GenerationParams, ModelSpec, Request
from lorabench.backends.registration import register_backend

__all__ = ["Backend", "Generation", "GenerationParams", "ModelSpec", "Request", "register_backend"]
