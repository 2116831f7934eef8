import { z } from '@hono/zod-openapi';

// Permissive like openai-responses.ts: these are the backend's own bodies (or the translation's).

export const anthropicError = z
  .object({
    type: z.literal('error'),
    error: z.object({ type: z.string().openapi({ example: 'invalid_request_error' }), message: z.string() }),
  })
  .openapi('AnthropicError');

export const responseObject = z
  .looseObject({
    id: z.string(),
    object: z.literal('response'),
    created_at: z.number(),
    status: z.string().openapi({ example: 'completed' }),
    model: z.string(),
    output: z.array(z.looseObject({ type: z.string() })),
    usage: z.looseObject({ input_tokens: z.number().int(), output_tokens: z.number().int(), total_tokens: z.number().int() }).nullable().optional(),
  })
  .openapi('Response');

export const anthropicMessage = z
  .looseObject({
    id: z.string(),
    type: z.literal('message'),
    role: z.literal('assistant'),
    model: z.string(),
    content: z.array(z.looseObject({ type: z.string() })),
    stop_reason: z.string().nullable(),
    usage: z.looseObject({ input_tokens: z.number().int(), output_tokens: z.number().int() }),
  })
  .openapi('AnthropicMessage');

export const tokenCount = z.looseObject({ input_tokens: z.number().int() }).openapi('TokenCount');

export const rerankResult = z
  .looseObject({
    model: z.string().optional(),
    results: z.array(z.looseObject({ index: z.number().int(), relevance_score: z.number() })),
    usage: z.looseObject({}).optional(),
  })
  .openapi('RerankResult');

export const scoreResult = z
  .looseObject({ object: z.literal('list'), data: z.array(z.looseObject({ index: z.number().int(), score: z.number() })) })
  .openapi('ScoreResult');

export const tokens = z.looseObject({ tokens: z.array(z.unknown()) }).openapi('Tokens');
export const detokenized = z.looseObject({ content: z.string().optional(), prompt: z.string().optional() }).openapi('Detokenized');

export const namedEventStream = z.string().openapi({
  description: 'Server-Sent Events with `event:` names and no `[DONE]`, byte for byte from the backend (or from the translation).',
  example: 'event: message_start\ndata: {"type":"message_start",…}\n\n',
});
