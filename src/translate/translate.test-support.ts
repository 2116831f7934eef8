/**
 * Test support for the translations (web-standard, used by the colocated tests): chat SSE
 * streams built from chunks, delivered whole or cut at chosen byte positions, and the
 * translated output read back. Its SSE reading is deliberately naive (the output is
 * well-formed), so it checks the real parser rather than sharing its code.
 */

const encoder = new TextEncoder();

export const CTX = { model: 'client-model', requestId: 'req1', now: 1_800_000_000 };

/** A chat chunk with one choice. */
export function delta(d: Record<string, unknown>, finish: string | null = null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'chatcmpl-x', object: 'chat.completion.chunk', model: 'backend', choices: [{ index: 0, delta: d, finish_reason: finish, ...extra }] };
}

export function usageChunk(prompt: number, completion: number): Record<string, unknown> {
  return { id: 'chatcmpl-x', object: 'chat.completion.chunk', choices: [], usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion } };
}

export function toolDelta(index: number, fields: { id?: string; name?: string; args?: string }): Record<string, unknown> {
  // as backends send them: id and type only in a call's first delta
  const call: Record<string, unknown> = fields.id ? { index, id: fields.id, type: 'function' } : { index };
  const fn: Record<string, unknown> = {};
  if (fields.name) fn.name = fields.name;
  if (fields.args !== undefined) fn.arguments = fields.args;
  call.function = fn;
  return delta({ tool_calls: [call] });
}

/** `data: …\n\n` per chunk (a string is sent as it is, for [DONE], comments and raw lines). */
export function chatSse(chunks: Array<Record<string, unknown> | string>): string {
  return chunks.map((c) => (typeof c === 'string' ? c : `data: ${JSON.stringify(c)}\n\n`)).join('');
}

/** A byte stream of `text`, cut at the given byte offsets. */
export function byteStream(text: string, cuts: number[] = []): ReadableStream<Uint8Array> {
  const bytes = encoder.encode(text);
  const points = [0, ...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length];
  const pieces: Uint8Array[] = [];
  for (let i = 1; i < points.length; i++) pieces.push(bytes.slice(points[i - 1], points[i]));
  return new ReadableStream<Uint8Array>({
    start(controller) {
      for (const piece of pieces) controller.enqueue(piece);
      controller.close();
    },
  });
}

export async function readText(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

export interface OutEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Splits well-formed `event: x\ndata: {…}\n\n` output; anything else fails the test. */
export function outEvents(text: string): OutEvent[] {
  if (text === '') return [];
  if (!text.endsWith('\n\n')) throw new Error(`output does not end with a blank line: ${JSON.stringify(text.slice(-40))}`);
  return text
    .slice(0, -2)
    .split('\n\n')
    .map((block) => {
      const match = /^event: ([^\n]+)\ndata: ([^\n]+)$/.exec(block);
      if (!match) throw new Error(`malformed event: ${JSON.stringify(block)}`);
      return { event: match[1] as string, data: JSON.parse(match[2] as string) as Record<string, unknown> };
    });
}

/** A fetch that answers every call with `answer(body)` and records the bodies it got. */
export function fakeFetch(answer: (body: Record<string, unknown>) => Response): { fetch: typeof fetch; bodies: Array<Record<string, unknown>> } {
  const bodies: Array<Record<string, unknown>> = [];
  const fn = async (_input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
    bodies.push(body);
    return answer(body);
  };
  return { fetch: fn as typeof fetch, bodies };
}

export function sseResponse(stream: ReadableStream<Uint8Array>): Response {
  return new Response(stream, { status: 200, headers: { 'content-type': 'text/event-stream' } });
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}
