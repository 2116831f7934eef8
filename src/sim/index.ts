/**
 * Backend simulator: a fetch handler that behaves like llama-server (llama.cpp) or vLLM's
 * OpenAI server on the wire, with deterministic output and injectable faults.
 */
export type { SimFault, SimFlavor, SimOptions, SimStats, Simulator } from './types.ts';
export { createSimulator } from './create-simulator.ts';
export { parseSimArgs, type SimArgs, type SimEnv } from './args.ts';
