import type { ModelEntry } from '../config/snapshot.ts';
import type { FileReader } from '../deps.ts';
import { readGgufHeader } from './gguf.ts';
import { estimateLlamaMemory, parseLlamaFlags } from './memory-estimate.ts';

/**
 * The device memory a launched model needs: its declared `memory`, else, for llama-server,
 * an estimate from its GGUF file's header and its flags (weights, KV cache at `--ctx-size`,
 * a compute-buffer allowance). Rejects when it cannot be known.
 */
export async function modelMemory(model: ModelEntry, files: FileReader | undefined): Promise<number> {
  if (model.memory !== undefined) return model.memory;
  const llama = model.launch?.llamacpp;
  if (!llama) throw new Error('only llama.cpp models are estimated from their GGUF file');
  if (!files) throw new Error('this runtime cannot read model files');
  const header = await readGgufHeader(files, llama.model_path);
  return estimateLlamaMemory(header, parseLlamaFlags(llama.flags)).total;
}
