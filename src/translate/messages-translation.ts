import { messagesRequest } from './messages-request.ts';
import { messagesResponse } from './messages-response.ts';
import { messagesStream } from './messages-stream.ts';
import type { Translation } from './translation.ts';

/** The Anthropic Messages API (`translate: messages`) over a Chat Completions backend. */
export const messagesTranslation: Translation = {
  request: messagesRequest,
  response: messagesResponse,
  stream: messagesStream,
};
