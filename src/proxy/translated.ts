import type { TranslatableApi } from '../config/model-apis.ts';
import { errors } from '../errors/errors.ts';
import { GatewayError } from '../errors/gateway-error.ts';
import { messagesTranslation } from '../translate/messages-translation.ts';
import { responsesTranslation } from '../translate/responses-translation.ts';
import { TranslationError, type TranslateContext, type Translation } from '../translate/translation.ts';
import type { Forwarded } from './attempt-target.ts';

const translations: Record<TranslatableApi, Translation> = { messages: messagesTranslation, responses: responsesTranslation };

/** The chat completions request for a translated API's body; what cannot be translated is the client's 400. */
export function translateRequest(api: TranslatableApi, body: Record<string, unknown>): { translation: Translation; chat: Record<string, unknown> } {
  const translation = translations[api];
  try {
    return { translation, chat: translation.request(body) };
  } catch (err) {
    if (err instanceof TranslationError) throw errors.translationFailed(err.message, err.param ?? null);
    throw err;
  }
}

/**
 * The backend's chat answer in the client's API. Only translated models pay for this: a
 * parse and a rebuild of the body, or a stream transform per chunk.
 */
export function translateForwarded(translation: Translation, fwd: Forwarded, ctx: TranslateContext): Forwarded {
  if (typeof fwd.body !== 'string') return { ...fwd, body: translation.stream(fwd.body, ctx) };
  let chat: unknown;
  try {
    chat = JSON.parse(fwd.body);
  } catch {
    throw new GatewayError({ status: 502, message: `Backend of ${fwd.model.name} sent a body that is not JSON.`, code: 'backend_bad_response' });
  }
  if (chat === null || typeof chat !== 'object' || Array.isArray(chat)) {
    throw new GatewayError({ status: 502, message: `Backend of ${fwd.model.name} sent JSON that is not a chat completion.`, code: 'backend_bad_response' });
  }
  return { ...fwd, body: JSON.stringify(translation.response(chat as Record<string, unknown>, ctx)), headers: { ...fwd.headers, 'content-type': 'application/json' } };
}
