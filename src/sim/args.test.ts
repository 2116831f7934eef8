/** parseSimArgs: llama-server's command lines from the fixtures README, vLLM's, and bad values. */
import { describe, expect, it } from 'vitest';
import { parseSimArgs } from './index.ts';

const split = (line: string): string[] => line.trim().split(/\s+/);

describe('parseSimArgs (llama.cpp)', () => {
  it("parses the capture's main command line, ignoring llama-server flags it does not model", () => {
    const args = parseSimArgs(split('-m /models/tiny-llama.gguf --alias tiny-llama --host 127.0.0.1 --port 28080 -c 2048 --parallel 2 --metrics --slots -t 1'));
    expect(args).toEqual({ flavor: 'llamacpp', model: 'tiny-llama', host: '127.0.0.1', port: 28080, ctxSize: 2048, parallel: 2 });
  });

  it('uses the -m path exactly as given when there is no alias', () => {
    expect(parseSimArgs(['-m', '/models/tiny-llama.gguf']).model).toBe('/models/tiny-llama.gguf');
    expect(parseSimArgs(['--model=./m.gguf', '-a', 'first,second']).model).toBe('first');
  });

  it('parses the embeddings and api-key command lines', () => {
    const embed = parseSimArgs(split('-m /models/tiny-bert-embed.gguf --alias tiny-bert-embed --embeddings --host 127.0.0.1 --port 28081 -c 512 --parallel 2 -t 1 --metrics'));
    expect(embed).toMatchObject({ model: 'tiny-bert-embed', embeddings: true, ctxSize: 512, port: 28081 });
    expect(parseSimArgs(['--api-key', 'sk-test-123']).apiKey).toBe('sk-test-123');
  });

  it('--reranking (alias --rerank) enables the rerank endpoints', () => {
    expect(parseSimArgs(split('-m /models/bge-reranker.gguf --reranking --pooling rank'))).toEqual({
      flavor: 'llamacpp', model: '/models/bge-reranker.gguf', host: '127.0.0.1', port: 8080, rerank: true,
    });
    expect(parseSimArgs(['--rerank']).rerank).toBe(true);
  });

  it('defaults: llamacpp, 127.0.0.1:8080, and nothing else set', () => {
    expect(parseSimArgs([])).toEqual({ flavor: 'llamacpp', host: '127.0.0.1', port: 8080 });
  });

  it('consumes the values of ignored flags and accepts switches and optional values', () => {
    const args = parseSimArgs(split('-ngl 99 --jinja -fa on --sse-ping-interval 1 -np -1 -c 0 -fa --no-webui --log-colors auto -lv -1 -np 3'));
    expect(args).toEqual({ flavor: 'llamacpp', host: '127.0.0.1', port: 8080, parallel: 3 });
  });

  it('reads the sim-only flags', () => {
    const args = parseSimArgs(split('--ttft-ms 50 --token-delay-ms 5 --max-tokens 32 --load-ms 2000'));
    expect(args).toMatchObject({ ttftMs: 50, tokenDelayMs: 5, defaultMaxTokens: 32, loadMs: 2000 });
  });

  it.each([
    [['--port', 'abc'], /invalid value for --port: 'abc'/],
    [['--port', '70000'], /--port/],
    [['--parallel', '0'], /--parallel/],
    [['-c', '-5'], /-c/],
    [['--ttft-ms', '1.5'], /--ttft-ms/],
    [['--flavor', 'ollama'], /--flavor: 'ollama'/],
    [['--bogus'], /unknown argument '--bogus'/],
    [['--port'], /missing value for --port/],
    [['stray'], /unexpected argument 'stray'/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseSimArgs(argv)).toThrow(message);
  });
});

describe('parseSimArgs (vLLM)', () => {
  it('takes the positional model, --max-model-len, and port 8000 by default', () => {
    const args = parseSimArgs(split('--flavor vllm Qwen/Qwen2.5-0.5B-Instruct --host 127.0.0.1 --max-model-len 2048 --enforce-eager --dtype half'));
    expect(args).toEqual({ flavor: 'vllm', model: 'Qwen/Qwen2.5-0.5B-Instruct', host: '127.0.0.1', port: 8000, ctxSize: 2048 });
  });

  it('prefers --served-model-name; a pooling runner serves embeddings', () => {
    const args = parseSimArgs(split('--flavor=vllm --model BAAI/bge-small-en-v1.5 --served-model-name bge --runner pooling --api-key k'));
    expect(args).toMatchObject({ flavor: 'vllm', model: 'bge', embeddings: true, apiKey: 'k' });
  });

  it('a classify conversion (or the older --task score) is a score model: rerank, not embeddings', () => {
    const vllm = (line: string) => parseSimArgs(split(`--flavor vllm BAAI/bge-reranker-v2-m3 ${line}`));
    for (const line of ['--runner pooling --convert classify', '--convert=classify', '--task score', '--task classify']) {
      expect([line, vllm(line).rerank, vllm(line).embeddings]).toEqual([line, true, undefined]);
    }
    for (const line of ['--task embed', '--convert embed', '--runner pooling --task embedding']) {
      expect([line, vllm(line).rerank, vllm(line).embeddings]).toEqual([line, undefined, true]);
    }
    expect(vllm('--runner generate')).not.toHaveProperty('embeddings');
  });

  it('rejects llama-only flags', () => {
    expect(() => parseSimArgs(['--flavor', 'vllm', '-ngl', '99'])).toThrow(/unknown argument '-ngl'/);
    expect(() => parseSimArgs(['--flavor', 'vllm', '--reranking'])).toThrow(/unknown argument '--reranking'/);
  });
});

describe('parseSimArgs: sleep mode and the CLI-only flags', () => {
  const vllm = (line: string, env = {}) => parseSimArgs(split(`--flavor vllm ${line}`), env);

  it('sleepMode needs --enable-sleep-mode and a non-zero VLLM_SERVER_DEV_MODE (parsed like int())', () => {
    expect(vllm('--enable-sleep-mode', { VLLM_SERVER_DEV_MODE: '1' }).sleepMode).toBe(true);
    expect(vllm('--enable-sleep-mode', { VLLM_SERVER_DEV_MODE: ' 2 ' }).sleepMode).toBe(true);
    expect(vllm('--enable-sleep-mode')).not.toHaveProperty('sleepMode');
    expect(vllm('--enable-sleep-mode', { VLLM_SERVER_DEV_MODE: '0' })).not.toHaveProperty('sleepMode');
    expect(vllm('--port 8000', { VLLM_SERVER_DEV_MODE: '1' })).not.toHaveProperty('sleepMode');
    expect(() => vllm('--enable-sleep-mode', { VLLM_SERVER_DEV_MODE: 'true' })).toThrow(/VLLM_SERVER_DEV_MODE: 'true'.*use 1/);
  });

  it('--enable-sleep-mode is a vLLM flag; the llama.cpp flavour never reads VLLM_SERVER_DEV_MODE', () => {
    expect(() => parseSimArgs(['--enable-sleep-mode'], { VLLM_SERVER_DEV_MODE: '1' })).toThrow(/unknown argument '--enable-sleep-mode' for the llamacpp simulator/);
    expect(parseSimArgs([], { VLLM_SERVER_DEV_MODE: 'yes' })).toEqual({ flavor: 'llamacpp', host: '127.0.0.1', port: 8080 });
  });

  it('reads --sleep-ms, --wake-ms, --exit-after-ms and --log-requests (both flavours)', () => {
    expect(vllm('--sleep-ms 200 --wake-ms=300 --exit-after-ms 1500 --log-requests')).toEqual({
      flavor: 'vllm', host: '127.0.0.1', port: 8000, sleepMs: 200, wakeMs: 300, exitAfterMs: 1500, logRequests: true,
    });
    expect(parseSimArgs(split('--exit-after-ms 0 --log-requests'))).toMatchObject({ flavor: 'llamacpp', exitAfterMs: 0, logRequests: true });
    expect(() => vllm('--exit-after-ms soon')).toThrow(/--exit-after-ms: 'soon'/);
    expect(() => vllm('--sleep-ms -1')).toThrow(/--sleep-ms/);
  });

  it("accepts llama-server's --host/--port and vLLM's --port, and --load-ms for both", () => {
    expect(parseSimArgs(split('--host 127.0.0.1 --port 28080 --load-ms 500'))).toEqual({ flavor: 'llamacpp', host: '127.0.0.1', port: 28080, loadMs: 500 });
    expect(vllm('Qwen/Qwen2.5-0.5B-Instruct --port 28000 --load-ms 500')).toEqual({
      flavor: 'vllm', model: 'Qwen/Qwen2.5-0.5B-Instruct', host: '127.0.0.1', port: 28000, loadMs: 500,
    });
  });
});
