import { listen, type RunningServer } from '../../adapters/node/listen.ts';

/**
 * A chat-completions-only server with scripted answers, on a real socket: it calls the tool
 * when given tools and no tool result yet, answers with the tool result's text once there is
 * one, and cuts the stream midway when the prompt says "die". Every request body is kept.
 */
export interface ChatOnlyBackend {
  server: RunningServer;
  bodies: Record<string, unknown>[];
}

const enc = new TextEncoder();

export async function startChatOnlyBackend(): Promise<ChatOnlyBackend> {
  const bodies: Record<string, unknown>[] = [];
  const server = await listen(
    async (req) => {
      const path = new URL(req.url).pathname;
      if (path !== '/v1/chat/completions') return Response.json({ error: { message: `no route ${path}`, type: 'not_found' } }, { status: 404 });
      const body = (await req.json()) as Record<string, unknown>;
      bodies.push(body);
      const messages = body.messages as { role: string; content: unknown }[];
      const toolResult = messages.find((m) => m.role === 'tool');
      const last = JSON.stringify(messages.at(-1)?.content ?? '');
      const call = Array.isArray(body.tools) && body.tools.length > 0 && !toolResult;
      const text = toolResult ? `It is ${String(toolResult.content)}.` : 'Hello there, friend.';
      const usage = { prompt_tokens: 11, completion_tokens: call ? 9 : 5, total_tokens: call ? 20 : 16 };
      const toolCall = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
      const base = { id: 'chatcmpl-1', created: 1, model: String(body.model) };
      if (body.stream !== true) {
        const message = call ? { role: 'assistant', content: null, tool_calls: [toolCall] } : { role: 'assistant', content: text };
        return Response.json({ ...base, object: 'chat.completion', choices: [{ index: 0, message, finish_reason: call ? 'tool_calls' : 'stop' }], usage });
      }
      const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
        `data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
      const events: string[] = [chunk({ role: 'assistant', content: '' })];
      if (call) {
        events.push(chunk({ tool_calls: [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }] }));
        events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] }));
        events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: '"Paris"}' } }] }));
        events.push(chunk({}, 'tool_calls'));
      } else {
        for (const word of text.split(/(?<= )/)) events.push(chunk({ content: word }));
        events.push(chunk({}, 'stop'));
      }
      const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
      if (includeUsage) events.push(`data: ${JSON.stringify({ ...base, object: 'chat.completion.chunk', choices: [], usage })}\n\n`);
      events.push('data: [DONE]\n\n');
      const die = last.includes('die');
      let i = 0;
      const stream = new ReadableStream<Uint8Array>({
        async pull(controller) {
          await new Promise((r) => setTimeout(r, 5));
          if (die && i === 2) return controller.error(new Error('backend died'));
          const next = events[i++];
          if (next === undefined) controller.close();
          else controller.enqueue(enc.encode(next));
        },
      });
      return new Response(stream, { headers: { 'content-type': 'text/event-stream' } });
    },
    0,
    '127.0.0.1',
  );
  return { server, bodies };
}
