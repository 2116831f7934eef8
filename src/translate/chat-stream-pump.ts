import type { ChatChunk, ChatError } from './chat-types.ts';
import { isRecord } from './field-readers.ts';
import { SseParser } from './sse-parser.ts';

/** What one API makes of a chat stream; each call returns the SSE text to send (maybe ''). */
export interface ChatStreamSink {
  /** before anything is read: the API's opening events */
  start(): string;
  chunk(chunk: ChatChunk): string;
  /** `[DONE]`, or the end of a stream that gave its finish_reason */
  finish(): string;
  /** the backend's in-band error, a stream cut short, or one that cannot be read */
  fail(error: ChatError): string;
}

const encoder = new TextEncoder();

const CUT_SHORT: ChatError = {
  message: 'The backend stream ended before the response was complete.',
  type: 'server_error',
  code: 'backend_stream_error',
};
const UNREADABLE: ChatError = { message: 'The backend stream failed.', type: 'server_error', code: 'backend_stream_error' };
const GARBLED: ChatError = { message: 'The backend sent a stream event that is not JSON.', type: 'server_error', code: 'backend_bad_response' };

/**
 * Reads a Chat Completions SSE stream and writes what `sink` makes of it, one read per pull
 * (nothing read ahead). Cancelling the output cancels the input. Once the answer is whole or
 * failed the output closes, but the input is read to its end rather than cancelled: upstream,
 * a cancel means the client went away, and the request's accounting would say so.
 */
export function pumpChatStream(input: ReadableStream<Uint8Array>, sink: ChatStreamSink): ReadableStream<Uint8Array> {
  const reader = input.getReader();
  const parser = new SseParser();
  let started = false;
  let finished = false;
  let over = false;

  const handle = (data: string): string => {
    if (data === '[DONE]') {
      over = true;
      return sink.finish();
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      over = true;
      return sink.fail(GARBLED);
    }
    if (!isRecord(parsed)) {
      over = true;
      return sink.fail(GARBLED);
    }
    if (parsed.error !== undefined) {
      over = true;
      return sink.fail(toChatError(parsed.error));
    }
    const chunk = parsed as ChatChunk;
    if (chunk.choices?.some((c) => c.finish_reason)) finished = true;
    return sink.chunk(chunk);
  };

  return new ReadableStream<Uint8Array>(
    {
      // Loops until it has something to send: a pull that enqueues nothing is not called again.
      async pull(controller) {
        let out = started ? '' : sink.start();
        started = true;
        while (!over) {
          let read: ReadableStreamReadResult<Uint8Array>;
          try {
            read = await reader.read();
          } catch {
            over = true;
            out += sink.fail(UNREADABLE);
            break;
          }
          const events = read.done ? parser.end() : parser.push(read.value);
          for (const event of events) {
            out += handle(event.data);
            if (over) break;
          }
          if (read.done && !over) {
            over = true;
            out += finished ? sink.finish() : sink.fail(CUT_SHORT);
          }
          if (out !== '') break;
        }
        if (out !== '') controller.enqueue(encoder.encode(out));
        if (over) {
          controller.close();
          void drain(reader);
        }
      },
      cancel(reason) {
        over = true;
        return reader.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function toChatError(value: unknown): ChatError {
  if (typeof value === 'string') return { message: value };
  if (!isRecord(value)) return { message: 'The backend reported an error.' };
  const message = typeof value.message === 'string' ? value.message : 'The backend reported an error.';
  const error: ChatError = { message };
  if (typeof value.type === 'string') error.type = value.type;
  if (typeof value.code === 'string' || typeof value.code === 'number') error.code = value.code;
  return error;
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done);
  } catch {
    // the input failed after the answer was complete: nothing is left to tell the client
  }
}
