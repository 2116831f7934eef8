import { z } from '@hono/zod-openapi';

// The APIs beyond chat, completions and embeddings. Loose like those: backends accept fields
// of their own, and the gateway checks only what it routes by and what it must understand.

const model = (example: string) => z.string().min(1).openapi({ example });

export const responsesRequest = z
  .looseObject({
    model: model('demo'),
    input: z.union([z.string(), z.array(z.unknown())]),
    instructions: z.string().nullable().optional(),
    stream: z.boolean().nullable().optional(),
    max_output_tokens: z.number().int().nonnegative().nullable().optional(),
  })
  .openapi('ResponsesRequest');

const anthropicMessage = z.looseObject({ role: z.string().openapi({ example: 'user' }), content: z.unknown() });

export const messagesRequest = z
  .looseObject({
    model: model('demo'),
    messages: z.array(anthropicMessage),
    system: z.unknown().optional(),
    // Anthropic requires it; llama-server does not, and the gateway passes what the backend decides
    max_tokens: z.number().int().nonnegative().optional(),
    stream: z.boolean().nullable().optional(),
  })
  .openapi('MessagesRequest');

export const countTokensRequest = z
  .looseObject({ model: model('demo'), messages: z.array(anthropicMessage), system: z.unknown().optional() })
  .openapi('CountTokensRequest');

export const rerankRequest = z
  .looseObject({
    model: model('rerank'),
    query: z.string(),
    documents: z.array(z.unknown()).min(1),
    top_n: z.number().int().positive().nullable().optional(),
  })
  .openapi('RerankRequest');

const textOrList = z.union([z.string(), z.array(z.string())]);

export const scoreRequest = z
  .looseObject({ model: model('rerank'), text_1: textOrList, text_2: textOrList })
  .openapi('ScoreRequest');

export const tokenizeRequest = z
  .looseObject({
    model: model('demo').openapi({ description: 'Routes the request; llama-server itself ignores it' }),
    content: z.string().optional().openapi({ description: "llama-server's text field" }),
    prompt: z.string().optional().openapi({ description: "vLLM's text field (or `messages`)" }),
  })
  .openapi('TokenizeRequest');

export const detokenizeRequest = z
  .looseObject({ model: model('demo'), tokens: z.array(z.number().int()) })
  .openapi('DetokenizeRequest');
