/** One named SSE event, as Anthropic and OpenAI Responses send them (the SDKs dispatch on `event:`). */
export function sseEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
