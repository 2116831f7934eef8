"""A/B compare: one prompt to two models at once, their tokens interleaved as they stream (each
line labelled with its model), then each full answer with its timings. Standard library only.

    python3 examples/ab_compare.py ["prompt"] [model-a] [model-b]   # default: demo and demo-chat (npm start)

MODELTAINER_URL (default http://localhost:8081) and MODELTAINER_KEY (if the gateway has keys).
"""
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.request

GW = os.environ.get("MODELTAINER_URL", "http://localhost:8081").rstrip("/")
KEY = os.environ.get("MODELTAINER_KEY")
print_lock = threading.Lock()


def stream(model, prompt, result):
    """Streams one chat completion, printing each token as it arrives; fills `result`."""
    body = json.dumps({"model": model, "stream": True,
                       "messages": [{"role": "user", "content": prompt}]}).encode()
    headers = {"Content-Type": "application/json", "Accept": "text/event-stream"}
    if KEY:
        headers["Authorization"] = f"Bearer {KEY}"
    request = urllib.request.Request(f"{GW}/v1/chat/completions", data=body, headers=headers)
    started = time.monotonic()
    pieces = []
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            for raw in response:  # one SSE line at a time, as it arrives
                line = raw.decode("utf-8").rstrip("\r\n")
                if not line.startswith("data: ") or line == "data: [DONE]":
                    continue  # blank separators, ": keep-alive" comments, the end marker
                event = json.loads(line[len("data: "):])
                if "error" in event:
                    raise RuntimeError(event["error"].get("message", event["error"]))
                for choice in event.get("choices", []):
                    piece = choice.get("delta", {}).get("content")
                    if piece:
                        if not pieces:
                            result["first_token_s"] = time.monotonic() - started
                        pieces.append(piece)
                        with print_lock:
                            print(f"{'[' + model + ']':<14} {json.dumps(piece, ensure_ascii=False)[1:-1]}", flush=True)
    except urllib.error.HTTPError as err:
        result["error"] = f"HTTP {err.code}: {err.read().decode('utf-8', 'replace')}"
    except Exception as err:  # connection refused, error event: report it, fail at the end
        result["error"] = str(err)
    result["text"] = "".join(pieces)
    result["total_s"] = time.monotonic() - started


def main():
    prompt = sys.argv[1] if len(sys.argv) > 1 else "Write a haiku about load balancers."
    models = [sys.argv[2] if len(sys.argv) > 2 else "demo", sys.argv[3] if len(sys.argv) > 3 else "demo-chat"]
    results = [{} for _ in models]
    threads = [threading.Thread(target=stream, args=(m, prompt, r)) for m, r in zip(models, results)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    failed = False
    for model, r in zip(models, results):
        if "error" in r:
            print(f"[{model}] error: {r['error']}", file=sys.stderr)
            failed = True
            continue
        print(f"=== {model}: first token {r.get('first_token_s', 0):.3f} s, total {r['total_s']:.3f} s")
        print(r["text"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
