import { responsesRequest } from './responses-request.ts';
import { responsesResponse } from './responses-response.ts';
import { responsesStream } from './responses-stream.ts';
import type { Translation } from './translation.ts';

/** The OpenAI Responses API (`translate: responses`) over a Chat Completions backend, statelessly. */
export const responsesTranslation: Translation = {
  request: responsesRequest,
  response: responsesResponse,
  stream: responsesStream,
};
