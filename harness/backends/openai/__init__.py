"""openai:<model>: OpenAI and every OpenAI-compatible server, in four rooms: settings (options and
the API key), requests (HTTP bodies), transport (one aiohttp session, SDK-shaped errors), parsing (replies), and
backend (the worker pool, retries and error classification that tie them together)."""
