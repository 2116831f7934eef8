/**
 * Server-sent events from a byte stream, as the WHATWG EventSource algorithm reads them:
 * lines end in `\n`, `\r\n` or `\r`; a blank line ends an event; `:` lines are comments;
 * `data:` lines join with `\n`. Bytes may be cut anywhere, even inside a UTF-8 character or
 * between a `\r` and its `\n`. (eventsource-parser does this too but is not a dependency.)
 */

export interface SseEvent {
  /** the `event:` field, or null for the default `message` */
  event: string | null;
  data: string;
}

export class SseParser {
  private readonly decoder = new TextDecoder();
  /** the start of a line whose end has not arrived */
  private partial = '';
  /** the last chunk ended in `\r`: a `\n` starting the next one belongs to it */
  private afterCr = false;
  private event: string | null = null;
  private data: string[] = [];

  push(bytes: Uint8Array): SseEvent[] {
    return this.feed(this.decoder.decode(bytes, { stream: true }));
  }

  /** The input ended. A last line or event left unterminated still counts: the backend said it before it hung up. */
  end(): SseEvent[] {
    const events = this.feed(this.decoder.decode());
    if (this.partial !== '') this.line(this.partial, events);
    this.partial = '';
    this.line('', events);
    return events;
  }

  private feed(text: string): SseEvent[] {
    const events: SseEvent[] = [];
    let i = this.afterCr && text.startsWith('\n') ? 1 : 0;
    if (text.length > 0) this.afterCr = false;
    while (i < text.length) {
      const end = lineEnd(text, i);
      if (end < 0) {
        this.partial += text.slice(i);
        break;
      }
      this.line(this.partial + text.slice(i, end), events);
      this.partial = '';
      if (text[end] === '\r') {
        if (end + 1 === text.length) this.afterCr = true;
        i = text[end + 1] === '\n' ? end + 2 : end + 1;
      } else {
        i = end + 1;
      }
    }
    return events;
  }

  private line(line: string, events: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) events.push({ event: this.event, data: this.data.join('\n') });
      this.event = null;
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
  }
}

function lineEnd(text: string, from: number): number {
  const cr = text.indexOf('\r', from);
  const lf = text.indexOf('\n', from);
  if (cr < 0) return lf;
  if (lf < 0) return cr;
  return Math.min(cr, lf);
}
