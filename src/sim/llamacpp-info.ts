/** llama-server's informational bodies: /v1/models, /props, /slots. */
import { LLAMA_FINGERPRINT } from './llamacpp-http.ts';
import type { SlotPool } from './slots.ts';

export interface LlamaInfo {
  model: string;
  /** Context per slot. */
  nCtx: number;
  embeddings: boolean;
  created: number;
}

/** Model metadata of the captured tiny models (chat: tiny-llama, embeddings: tiny-bert-embed). */
function meta(info: LlamaInfo): Record<string, unknown> {
  return info.embeddings
    ? { vocab_type: 3, n_vocab: 30522, n_ctx: info.nCtx, n_ctx_train: 512, n_embd: 64, n_params: 2053376, size: 8213504, ftype: 'all F32' }
    : { vocab_type: 1, n_vocab: 32064, n_ctx: info.nCtx, n_ctx_train: 2048, n_embd: 64, n_params: 4186432, size: 16745728, ftype: 'all F32' };
}

/** An Ollama-style `models[]` and an OpenAI `object:list, data[]` in one body. */
export function llamaModelsBody(info: LlamaInfo): unknown {
  const id = info.model;
  return {
    models: [{
      name: id, model: id, modified_at: '', size: '', digest: '', type: 'model', description: '', tags: [''],
      capabilities: ['completion'], parameters: '',
      details: { parent_model: '', format: 'gguf', family: '', families: [''], parameter_size: '', quantization_level: '' },
    }],
    object: 'list',
    data: [{ id, aliases: [id], tags: [], object: 'model', created: info.created, owned_by: 'llamacpp', meta: meta(info) }],
  };
}

const PHI3_TEMPLATE = "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') %}{{'<|user|>' + '\\n' + message['content'] + '<|end|>' + '\\n' + '<|assistant|>' + '\\n'}}{% elif (message['role'] == 'assistant') %}{{message['content'] + '<|end|>' + '\\n'}}{% endif %}{% endfor %}";

/** A trimmed /props: the fields a client is likely to read. */
export function llamaPropsBody(info: LlamaInfo, totalSlots: number): unknown {
  return {
    default_generation_settings: {
      params: { seed: 4294967295, temperature: 0.800000011920929, top_k: 40, top_p: 0.949999988079071, min_p: 0.05000000074505806, max_tokens: -1, n_predict: -1, stream: false },
      n_ctx: info.nCtx,
    },
    total_slots: totalSlots,
    model_alias: info.model,
    model_path: info.model,
    modalities: { vision: false, video: false, audio: false },
    endpoint_slots: true,
    endpoint_props: false,
    endpoint_metrics: false,
    chat_template: PHI3_TEMPLATE,
    bos_token: info.embeddings ? '[CLS]' : '<s>',
    eos_token: info.embeddings ? '' : '<|endoftext|>',
    build_info: LLAMA_FINGERPRINT,
    is_sleeping: false,
  };
}

/** /slots: idle slots are 4 keys; busy ones add the task, prompt size and progress. */
export function llamaSlotsBody(pool: SlotPool, nCtx: number): unknown {
  return pool.list().map((s) => {
    const base = { id: s.id, n_ctx: nCtx, speculative: false, is_processing: s.busy };
    if (!s.busy) return base;
    return {
      ...base,
      id_task: s.idTask,
      n_prompt_tokens: s.nPrompt,
      n_prompt_tokens_processed: s.nPrompt,
      n_prompt_tokens_cache: 0,
      next_token: [{ has_next_token: true, has_new_line: false, n_remain: Math.max(0, s.nRemain), n_decoded: s.nDecoded }],
    };
  });
}
