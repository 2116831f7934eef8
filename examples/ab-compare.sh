#!/usr/bin/env bash
# A/B compare: one prompt to two models at once, their tokens interleaved as they stream (each line
# labelled with its model), then each full answer with its timings. Needs bash and curl only.
#
#   examples/ab-compare.sh ["prompt"] [model-a] [model-b]      # default: demo and demo-chat (npm start)
#
# MODELTAINER_URL (default http://localhost:8081) and MODELTAINER_KEY (if the gateway has keys).
set -euo pipefail

GW=${MODELTAINER_URL:-http://localhost:8081}
PROMPT=${1:-Write a haiku about load balancers.}
MODEL_A=${2:-demo}
MODEL_B=${3:-demo-chat}
auth=()
if [[ -n ${MODELTAINER_KEY:-} ]]; then auth=(-H "Authorization: Bearer $MODELTAINER_KEY"); fi
tmp=$(mktemp -d)
# on the way out (an error in one stream included), stop the other and clean up
trap 'jobs -p | xargs -r kill 2>/dev/null; rm -rf "$tmp"' EXIT

# A shell string as a JSON string literal.
json_string() {
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\n'/\\n}; s=${s//$'\t'/\\t}; s=${s//$'\r'/\\r}
  printf '"%s"' "$s"
}

# stream MODEL FILE: prints "[MODEL] piece" per token; the answer (JSON-escaped) goes to FILE,
# curl's timings to FILE.timing. Fails on an HTTP error or an error event in the stream.
stream() {
  local model=$1 out=$2 line body
  body="{\"model\":\"$model\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":$(json_string "$PROMPT")}]}"
  : >"$out"
  curl -sSN --fail-with-body "$GW/v1/chat/completions" -H 'Content-Type: application/json' \
    ${auth[@]+"${auth[@]}"} -d "$body" -w '\ncurl-timing %{time_starttransfer} %{time_total}\n' |
    while IFS= read -r line; do
      if [[ $line =~ \"content\":\"(([^\"\\]|\\.)*)\" ]]; then
        printf '%-14s %s\n' "[$model]" "${BASH_REMATCH[1]}"
        printf '%s' "${BASH_REMATCH[1]}" >>"$out"
      elif [[ $line == 'curl-timing '* ]]; then
        printf '%s\n' "${line#curl-timing }" >"$out.timing"
      elif [[ $line == *'"error"'* ]]; then
        printf '%-14s error: %s\n' "[$model]" "$line" >&2
        exit 1
      fi
    done
}

stream "$MODEL_A" "$tmp/a" &
pid_a=$!
stream "$MODEL_B" "$tmp/b" &
pid_b=$!
wait "$pid_a"
wait "$pid_b"

for side in "a:$MODEL_A" "b:$MODEL_B"; do
  file=$tmp/${side%%:*}
  read -r first total <"$file.timing"
  printf '=== %s: first byte %s s, total %s s\n' "${side#*:}" "$first" "$total"
  text=$(<"$file")
  text=${text//\\\"/\"}; text=${text//\\\//\/}
  printf '%b\n' "$text"      # \n, \t, \\ and (bash 4.2+) \uXXXX decoded
done
