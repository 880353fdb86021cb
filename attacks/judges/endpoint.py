"""A judge behind an OpenAI-compatible chat-completions endpoint (a vLLM server, a hosted API).

    POST {base_url}/chat/completions  {"model", "messages", "temperature": 0, "max_tokens"}

The messages are those of the generative judge (`format: instruction` sends keel's guard instruction,
`format: chat_template` sends the conversation itself, for guard models served with their own template,
`format: rubric` sends keel's StrongREJECT-style harm rubric, attacks/judges/rubric.py), and the reply is
parsed the same way (`safe` / `unsafe` or the rubric's three answers; unparsed -> incoherent with a detail). The API
key is read from the environment variable named by `api_key_env`, never from a config file. An endpoint
that cannot be reached fails at once with one line naming `judge.base_url`.
"""

from __future__ import annotations

import json
import os
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from attacks.judges.base import Judge, Verdict
from attacks.judges.generative import guard_messages, judge_replies, reply_tokens
from train import KeelError


class EndpointJudge(Judge):
    name = "openai_endpoint"
    version = "2"  # 2: the rubric format, harm_score, incoherence from the evaluated model's NLL

    def __init__(self, base_url: str = "http://127.0.0.1:8000/v1", model: str = "", format: str = "instruction",
                 api_key_env: str | None = "OPENAI_API_KEY", max_tokens: int = 8, timeout: float = 30.0,
                 retries: int = 2, concurrency: int = 4, instruction: str | None = None,
                 harm_threshold: float = 0.5):
        if not model:
            raise KeelError("judge.model: name the model the endpoint serves (e.g. meta-llama/Llama-Guard-3-8B)")
        guard_messages("p", "c", format)
        self.base_url, self.model, self.format = base_url.rstrip("/"), model, format
        self.api_key_env, self.max_tokens, self.timeout = api_key_env, reply_tokens(format, max_tokens), float(timeout)
        self.retries, self.concurrency = int(retries), max(1, int(concurrency))
        self.instruction, self.harm_threshold = instruction, float(harm_threshold)
        self.version = f"2+{model}"

    def _post(self, messages: list[dict]) -> str:
        body = json.dumps({"model": self.model, "messages": messages, "temperature": 0,
                           "max_tokens": self.max_tokens}).encode()
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env or "", "")
        if key:
            headers["Authorization"] = f"Bearer {key}"
        request = urllib.request.Request(f"{self.base_url}/chat/completions", data=body, headers=headers)
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read())["choices"][0]["message"]["content"] or ""
            except urllib.error.HTTPError as err:
                if err.code not in (429, 500, 502, 503, 504) or attempt == self.retries:
                    raise KeelError(f"judge.base_url: {self.base_url} answered HTTP {err.code} "
                                    f"({err.reason})") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as err:
                reason = getattr(err, "reason", err)
                raise KeelError(f"judge.base_url: cannot reach {self.base_url} ({reason})") from None
            except (KeyError, IndexError, TypeError, json.JSONDecodeError):
                raise KeelError(f"judge.base_url: {self.base_url} did not answer in the chat-completions "
                                f"format") from None
            time.sleep(0.5 * 2**attempt)
        raise AssertionError("unreachable")

    def judge(self, prompts: list[str], completions: list[str], nlls=None) -> list[Verdict]:
        def replies(keep: list[int]) -> list[str]:
            requests = [guard_messages(prompts[i], completions[i], self.format, self.instruction) for i in keep]
            with ThreadPoolExecutor(self.concurrency) as pool:
                return list(pool.map(self._post, requests))

        return judge_replies(completions, nlls, replies, self.format, self.harm_threshold)

    def describe(self) -> dict:
        return {"name": self.name, "version": self.version, "base_url": self.base_url, "model": self.model,
                "format": self.format, "harm_threshold": self.harm_threshold}
