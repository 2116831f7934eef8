/** Real server flags the simulator accepts and ignores (value flags consume their value). */

const words = (s: string): Set<string> => new Set(s.trim().split(/\s+/));

/** llama-server flags that take a value (from `llama-server --help`). */
export const LLAMA_IGNORED_FLAGS = words(`
  -t --threads -tb --threads-batch -n --predict --n-predict -b --batch-size -ub --ubatch-size
  -ngl --gpu-layers --n-gpu-layers --log-file -lv --verbosity --log-verbosity
  -ngld --spec-draft-ngl --gpu-layers-draft --n-gpu-layers-draft -ctxcp --ctx-checkpoints --swa-checkpoints
  -cram --cache-ram --pooling --path --cors-origins --cors-methods --cors-headers --api-prefix
  --ui-config --webui-config --ui-config-file --webui-config-file --api-key-file -to --timeout
  --sse-ping-interval --threads-http --cache-reuse --models-dir --reasoning-format --reasoning-budget
  --reasoning-budget-message --chat-template --chat-template-file --sleep-idle-seconds --log-prompts-dir
  -s --seed --temp --top-k --top-p --min-p --repeat-penalty --repeat-last-n --keep
  -hf -hfr --hf-repo -hff --hf-file -hft --hf-token -mu --model-url --mmproj -md --model-draft
  -ctk --cache-type-k -ctv --cache-type-v --lora --lora-scaled --override-kv -ot --override-tensor
  -dev --device -sm --split-mode -ts --tensor-split -mg --main-gpu --numa -ncmoe --n-cpu-moe
  --rope-scaling --rope-freq-base --rope-freq-scale --draft-max --draft-min --slot-save-path
  --slot-prompt-similarity --ssl-key-file --ssl-cert-file --grammar --grammar-file -j --json-schema
  -C --cpu-mask -Cb --cpu-mask-batch --prio --poll -dt --defrag-thold --media-path
`);

/** llama-server boolean switches. */
export const LLAMA_IGNORED_SWITCHES = words(`
  --metrics --props --slots --no-slots --jinja --no-jinja --log-disable -v --verbose --log-verbose
  --log-prefix --no-log-prefix --log-timestamps --no-log-timestamps --swa-full
  -kvu --kv-unified -no-kvu --no-kv-unified --context-shift --no-context-shift --warmup --no-warmup
  -cb --cont-batching -nocb --no-cont-batching --cors-credentials --no-cors-credentials
  --ui-mcp-proxy --webui-mcp-proxy --no-ui-mcp-proxy --no-webui-mcp-proxy --ui --webui --no-ui --no-webui
  --cache-prompt --no-cache-prompt --mlock --mmap --no-mmap --offline
  --verbose-prompt --special --check-tensors --no-perf -nkvo --no-kv-offload -cmoe --cpu-moe --cont-batching
  --no-escape --escape -e
`);

/** Flags whose value is optional (`-fa`, `-fa on`). */
export const OPTIONAL_VALUE_FLAGS = words(`-fa --flash-attn --log-colors`);

/** `vllm serve` flags that take a value. */
export const VLLM_IGNORED_FLAGS = words(`
  --tensor-parallel-size -tp --pipeline-parallel-size -pp --data-parallel-size -dp
  --gpu-memory-utilization --dtype --max-num-seqs --max-num-batched-tokens --seed --tokenizer
  --revision --tokenizer-revision --download-dir --quantization -q --kv-cache-dtype --chat-template
  --generation-config --uvicorn-log-level --swap-space --block-size --load-format --config
  --tool-call-parser --reasoning-parser --enable-lora-bias --max-lora-rank --max-loras --lora-modules
  --root-path --allowed-origins --allowed-methods --allowed-headers --hf-overrides --override-generation-config
  --limit-mm-per-prompt --mm-processor-kwargs --compilation-config -O --fingerprint-mode --api-server-count
`);

/** `vllm serve` boolean switches. */
export const VLLM_IGNORED_SWITCHES = words(`
  --enforce-eager --trust-remote-code --enable-prefix-caching --no-enable-prefix-caching
  --disable-log-requests --disable-log-stats --enable-request-id-headers --enable-auto-tool-choice
  --enable-lora --enable-chunked-prefill --no-enable-chunked-prefill --enable-server-load-tracking
  --disable-frontend-multiprocessing --enable-log-requests --disable-fastapi-docs --headless
`);
