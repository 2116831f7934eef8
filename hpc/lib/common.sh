# shellcheck shell=bash
# Shared by hpc/*.sbatch (sourced, never run): logging, durations, GPU choice, a free port, health
# waiting, and the gateway registration protocol (register, heartbeat, deregister on exit).
#
# Needs bash >= 4.2 and curl; python3, ss and timeout are used when present, never required.
# Every function and global is prefixed mt_ / MT_; the user-facing settings are MODELTAINER_* variables
# (listed in hpc/README.md).

MT_LOG_TAG=${MT_LOG_TAG:-modeltainer}

mt_log() { printf '%s [%s] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$MT_LOG_TAG" "$*" >&2; }
mt_die() { mt_log "error: $*"; exit 1; }

# mt_sleep SECONDS (fractions allowed): a sleep that trapped signals interrupt at once (bash runs a
# trap only after a foreground child ends, but `wait` returns as soon as a trapped signal arrives).
mt_sleep() {
  sleep "$1" &
  MT_SLEEP_PID=$!
  wait "$MT_SLEEP_PID" 2>/dev/null
  MT_SLEEP_PID=
}

# mt_duration_ms VALUE: 500ms, 30s, 2m, 1h or a bare number of seconds -> milliseconds (fails otherwise).
mt_duration_ms() {
  local re='^([0-9]+)(ms|s|m|h)?$' n unit
  [[ $1 =~ $re ]] || return 1
  n=$((10#${BASH_REMATCH[1]})) unit=${BASH_REMATCH[2]:-s}
  case $unit in
    ms) echo "$n" ;;
    s) echo $((n * 1000)) ;;
    m) echo $((n * 60000)) ;;
    h) echo $((n * 3600000)) ;;
  esac
}

# mt_seconds MS: milliseconds as the decimal seconds sleep(1) takes ("0.667").
mt_seconds() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

# mt_json_string TEXT: TEXT as a JSON string literal (quotes, backslashes and control characters escaped).
mt_json_string() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  printf '"%s"' "$s"
}

# mt_json_field NAME < JSON: the first string value of "NAME" in a flat JSON object (no jq needed).
mt_json_field() {
  sed -n 's/.*"'"$1"'"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' | head -n 1
}

# ---------------------------------------------------------------------------------------------
# GPUs

# mt_nvidia_uuids: the devices `nvidia-smi -L` lists, as a comma list of UUIDs: each MIG instance
# (MIG-...) of a GPU in MIG mode, else the whole GPU (GPU-...). Empty without nvidia-smi or GPUs.
mt_nvidia_uuids() {
  command -v nvidia-smi >/dev/null 2>&1 || return 0
  local line gpu='' has_mig=0 gpu_re='^GPU [0-9]+:.*\(UUID: (GPU-[^)]+)\)' mig_re='\(UUID: (MIG-[^)]+)\)'
  local -a out=()
  while IFS= read -r line; do
    if [[ $line =~ $gpu_re ]]; then
      if [[ -n $gpu && $has_mig == 0 ]]; then out+=("$gpu"); fi
      gpu=${BASH_REMATCH[1]} has_mig=0
    elif [[ $line =~ $mig_re ]]; then
      out+=("${BASH_REMATCH[1]}") has_mig=1
    fi
  done < <(nvidia-smi -L 2>/dev/null)
  if [[ -n $gpu && $has_mig == 0 ]]; then out+=("$gpu"); fi
  local IFS=,
  echo "${out[*]-}"
}

# mt_select_gpus: decides which devices the server gets and exports CUDA_VISIBLE_DEVICES.
# Sets MT_GPUS (comma list, empty for none) and MT_GPU_COUNT.
#   MODELTAINER_GPUS unset/auto: CUDA_VISIBLE_DEVICES as Slurm set it for --gres=gpu:N / --gpus=N
#     (indices, or MIG UUIDs on MIG nodes); in a Slurm job without it: none (a CPU job never takes
#     a GPU it was not given); outside Slurm: every device `nvidia-smi -L` shows, MIG instances in
#     place of GPUs in MIG mode.
#   MODELTAINER_GPUS=none|cpu: no GPU.   mig: the first MIG instance.   mig:K: the K-th (from 0).
#   MODELTAINER_GPUS=<list>: these (indices, GPU-... or MIG-... UUIDs).
# A CUDA process uses one MIG instance at most, so a list holding a MIG UUID is cut to its first entry.
mt_select_gpus() {
  local want=${MODELTAINER_GPUS:-auto} list='' k
  case $want in
    none | cpu) list='' ;;
    auto)
      if [[ -n ${CUDA_VISIBLE_DEVICES+set} ]]; then
        list=$CUDA_VISIBLE_DEVICES
        if [[ $list == NoDevFiles ]]; then list=''; fi # older Slurm: the job has no GPU
      elif [[ -z ${SLURM_JOB_ID:-} ]]; then
        list=$(mt_nvidia_uuids)
      fi
      ;;
    mig | mig:*)
      k=0
      if [[ $want == mig:* ]]; then k=${want#mig:}; fi
      [[ $k =~ ^[0-9]+$ ]] || mt_die "MODELTAINER_GPUS=$want: expected mig or mig:<index>"
      local -a all=() migs=()
      local d
      IFS=, read -r -a all <<<"$(mt_nvidia_uuids)"
      for d in ${all[@]+"${all[@]}"}; do if [[ $d == MIG-* ]]; then migs+=("$d"); fi; done
      ((k < ${#migs[@]})) || mt_die "MODELTAINER_GPUS=$want: nvidia-smi -L lists ${#migs[@]} MIG instance(s)"
      list=${migs[$k]}
      ;;
    *) list=$want ;;
  esac
  list=${list// /}
  if [[ $list == *MIG-* && $list == *,* ]]; then
    mt_log "warning: CUDA uses one MIG instance per process; using ${list%%,*} of $list"
    list=${list%%,*}
  fi
  MT_GPUS=$list
  if [[ -z $list ]]; then
    MT_GPU_COUNT=0
  else
    local -a ids
    IFS=, read -r -a ids <<<"$list"
    MT_GPU_COUNT=${#ids[@]}
    # the container inherits it; APPTAINERENV_ sets it in the container even under --cleanenv
    export CUDA_VISIBLE_DEVICES=$list APPTAINERENV_CUDA_VISIBLE_DEVICES=$list
  fi
  mt_log "GPUs: ${MT_GPUS:-none} (${MT_GPU_COUNT})"
}

# ---------------------------------------------------------------------------------------------
# Host and port

# mt_backend_host: the name or address the gateway reaches this node by: MODELTAINER_BACKEND_HOST,
# else the IPv4 address of MODELTAINER_BACKEND_IFACE (e.g. ib0), else `hostname -f`, else `hostname`.
mt_backend_host() {
  if [[ -n ${MODELTAINER_BACKEND_HOST:-} ]]; then
    echo "$MODELTAINER_BACKEND_HOST"
  elif [[ -n ${MODELTAINER_BACKEND_IFACE:-} ]]; then
    local addr
    addr=$(ip -4 -o addr show dev "$MODELTAINER_BACKEND_IFACE" 2>/dev/null | awk '{ sub(/\/.*/, "", $4); print $4; exit }')
    [[ -n $addr ]] || mt_die "no IPv4 address on interface $MODELTAINER_BACKEND_IFACE"
    echo "$addr"
  else
    hostname -f 2>/dev/null || hostname
  fi
}

# mt_port_in_use PORT [HOST]: true when something listens on PORT: listed by `ss` (any address), or
# accepting a TCP connection on 127.0.0.1 or HOST (bash's /dev/tcp, at most 2 s each).
mt_port_in_use() {
  local port=$1 h
  if command -v ss >/dev/null 2>&1 && ss -Htln "sport = :$port" 2>/dev/null | grep -q .; then return 0; fi
  for h in 127.0.0.1 ${2:+"$2"}; do
    if command -v timeout >/dev/null 2>&1; then
      # shellcheck disable=SC2016 # expanded by the inner bash, from its arguments
      if timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$h" "$port" 2>/dev/null; then return 0; fi
    elif (exec 3<>"/dev/tcp/$h/$port") 2>/dev/null; then
      return 0
    fi
  done
  return 1
}

# mt_free_port [HOST]: a TCP port nothing listens on.
#   MODELTAINER_BACKEND_PORT set: that one.
#   python3 present (and MODELTAINER_PORT_METHOD is not bash): the OS's choice for a bind to port 0.
#   Otherwise random ports from MODELTAINER_PORT_RANGE (default 20000-32767, below Linux's ephemeral
#   range so outgoing connections never hold them), the first that mt_port_in_use finds free.
# Another process may still take the port before the server binds it; mt_serve then starts again.
mt_free_port() {
  if [[ -n ${MODELTAINER_BACKEND_PORT:-} ]]; then
    echo "$MODELTAINER_BACKEND_PORT"
    return 0
  fi
  local port
  if [[ ${MODELTAINER_PORT_METHOD:-auto} != bash ]] && command -v python3 >/dev/null 2>&1; then
    port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("", 0)); print(s.getsockname()[1])' 2>/dev/null)
    if [[ $port =~ ^[0-9]+$ ]]; then
      echo "$port"
      return 0
    fi
  fi
  local range=${MODELTAINER_PORT_RANGE:-20000-32767} lo hi tries=0
  lo=${range%-*} hi=${range#*-}
  if ! [[ $lo =~ ^[0-9]+$ && $hi =~ ^[0-9]+$ ]] || ((lo > hi)); then
    mt_die "MODELTAINER_PORT_RANGE=$range: expected LOW-HIGH"
  fi
  while ((tries++ < 200)); do
    port=$((lo + (RANDOM * 32768 + RANDOM + ${SLURM_JOB_ID:-0}) % (hi - lo + 1)))
    if ! mt_port_in_use "$port" "${1:-}"; then
      echo "$port"
      return 0
    fi
  done
  mt_die "no free port in $range after 200 tries"
}

# ---------------------------------------------------------------------------------------------
# Gateway registration (POST /admin/targets, the same POST as heartbeat, DELETE /admin/targets/{id})

# mt_registration_init: reads the MODELTAINER_* settings; sets MT_REGISTER (0/1), MT_GATEWAY_URL,
# MT_ADMIN_KEY, MT_MODEL, MT_TTL, MT_TTL_MS and MT_HEARTBEAT_MS.
mt_registration_init() {
  MT_REGISTER=1
  if [[ ${MODELTAINER_REGISTER:-1} == 0 ]]; then
    MT_REGISTER=0
    mt_log "MODELTAINER_REGISTER=0: the server runs without registering with a gateway"
    return 0
  fi
  MT_GATEWAY_URL=${MODELTAINER_URL:-}
  MT_URL_FILE=
  local url_file=${MODELTAINER_URL_FILE:-${HOME:-}/.modeltainer/url}
  if [[ -z $MT_GATEWAY_URL && -r $url_file ]]; then
    MT_URL_FILE=$url_file # read again before every heartbeat: a new gateway job may have replaced it
    MT_GATEWAY_URL=$(head -n 1 "$url_file")
    mt_log "gateway URL from $url_file (written by hpc/gateway.sbatch): $MT_GATEWAY_URL"
  fi
  [[ -n $MT_GATEWAY_URL ]] || mt_die "MODELTAINER_URL is not set (the gateway, e.g. http://login1:8081), nor is $url_file there; MODELTAINER_REGISTER=0 runs the server alone"
  MT_GATEWAY_URL=${MT_GATEWAY_URL%/}
  MT_ADMIN_KEY=${MODELTAINER_ADMIN_KEY:-}
  if [[ -z $MT_ADMIN_KEY && -n ${MODELTAINER_ADMIN_KEY_FILE:-} ]]; then
    [[ -r $MODELTAINER_ADMIN_KEY_FILE ]] || mt_die "MODELTAINER_ADMIN_KEY_FILE=$MODELTAINER_ADMIN_KEY_FILE is not readable"
    MT_ADMIN_KEY=$(head -n 1 "$MODELTAINER_ADMIN_KEY_FILE")
  fi
  [[ -n $MT_ADMIN_KEY ]] || mt_log "warning: no MODELTAINER_ADMIN_KEY(_FILE); only a gateway without authentication accepts the registration"
  MT_MODEL=${MODELTAINER_MODEL:-}
  [[ -n $MT_MODEL ]] || mt_die "MODELTAINER_MODEL is not set (the model's name in the gateway's config)"
  MT_TTL=${MODELTAINER_TTL:-30s}
  if [[ $MT_TTL =~ ^[0-9]+$ ]]; then MT_TTL=${MT_TTL}s; fi # a bare number is seconds
  MT_TTL_MS=$(mt_duration_ms "$MT_TTL") || mt_die "MODELTAINER_TTL=$MT_TTL: expected e.g. 30s, 2m or a number of seconds"
  ((MT_TTL_MS >= 1000)) || mt_die "MODELTAINER_TTL=$MT_TTL: at least 1s"
  MT_HEARTBEAT_MS=$((MT_TTL_MS / 3))
  MT_TTL_JSON=$(mt_json_string "$MT_TTL") # the gateway takes a duration string (or a number of seconds)
}

# mt_admin_request METHOD PATH [JSON]: one request to the gateway's admin API, the key given to curl
# on stdin (-K -) so it never shows in `ps`. Sets MT_HTTP_STATUS (000: no answer) and MT_HTTP_BODY.
mt_admin_request() {
  local method=$1 path=$2 data=${3:-} out key
  local -a args=(-sS -X "$method" --max-time "${MODELTAINER_HTTP_TIMEOUT:-10}" -w '\n%{http_code}' -H 'Accept: application/json')
  if [[ -n $data ]]; then args+=(-H 'Content-Type: application/json' --data-binary "$data"); fi
  key=${MT_ADMIN_KEY//\\/\\\\}
  key=${key//\"/\\\"}
  if out=$(if [[ -n $key ]]; then printf 'header = "Authorization: Bearer %s"\n' "$key"; fi |
    curl "${args[@]}" -K - "$MT_GATEWAY_URL$path" 2>&1); then
    MT_HTTP_STATUS=${out##*$'\n'}
    MT_HTTP_BODY=${out%$'\n'*}
  else
    MT_HTTP_STATUS=000
    MT_HTTP_BODY=${out%$'\n'000}
    return 1
  fi
}

# mt_register: POST /admin/targets {model, url, ttl}. 201 the first time, 200 (same id, new expiry)
# on every heartbeat; 201 on a heartbeat means the gateway had forgotten the target (restarted, or
# the target expired) and has it again. Keeps the id and the gateway's URL in $MT_STATE_DIR/target-id
# for the DELETE. With the URL from MODELTAINER_URL_FILE, follows the file when a new gateway job
# rewrites it.
# Returns 0 on success, 1 when the gateway did not answer or failed (5xx), 2 when it refused (4xx).
mt_register() {
  local body url
  if [[ -n ${MT_URL_FILE:-} && -r $MT_URL_FILE ]]; then
    url=$(head -n 1 "$MT_URL_FILE")
    if [[ -n $url && ${url%/} != "$MT_GATEWAY_URL" ]]; then
      mt_log "the gateway moved: $MT_GATEWAY_URL -> $url ($MT_URL_FILE)"
      MT_GATEWAY_URL=${url%/}
    fi
  fi
  body="{\"model\":$(mt_json_string "$MT_MODEL"),\"url\":$(mt_json_string "$MT_BACKEND_URL"),\"ttl\":$MT_TTL_JSON}"
  if ! mt_admin_request POST /admin/targets "$body"; then
    mt_log "gateway $MT_GATEWAY_URL did not answer: $MT_HTTP_BODY"
    return 1
  fi
  local id
  case $MT_HTTP_STATUS in
    200 | 201)
      id=$(mt_json_field id <<<"$MT_HTTP_BODY")
      if [[ -n $id ]]; then printf '%s\n%s\n' "$id" "$MT_GATEWAY_URL" >"$MT_STATE_DIR/target-id"; fi
      if [[ $MT_HTTP_STATUS == 201 ]]; then
        mt_log "registered $MT_BACKEND_URL as a target of model '$MT_MODEL' at $MT_GATEWAY_URL (id $id, ttl $MT_TTL, expires $(mt_json_field expires_at <<<"$MT_HTTP_BODY"))"
      fi
      return 0
      ;;
    4*)
      mt_log "gateway refused the registration: HTTP $MT_HTTP_STATUS $(mt_json_field message <<<"$MT_HTTP_BODY")"
      return 2
      ;;
    *)
      mt_log "registration failed: HTTP $MT_HTTP_STATUS $(mt_json_field message <<<"$MT_HTTP_BODY")"
      return 1
      ;;
  esac
}

# mt_deregister: DELETE /admin/targets/{id}; the gateway stops sending new requests to this server.
mt_deregister() {
  [[ ${MT_REGISTER:-0} == 1 && -n ${MT_STATE_DIR:-} && -s $MT_STATE_DIR/target-id ]] || return 0
  local id
  # the id, and the gateway that gave it (the heartbeat, in its own process, may have followed a move)
  { read -r id && read -r MT_GATEWAY_URL; } <"$MT_STATE_DIR/target-id"
  rm -f "$MT_STATE_DIR/target-id"
  MODELTAINER_HTTP_TIMEOUT=5 mt_admin_request DELETE "/admin/targets/$id" || true
  case $MT_HTTP_STATUS in
    200 | 204) mt_log "deregistered $MT_BACKEND_URL (id $id)" ;;
    404) mt_log "target $id was already gone from the gateway" ;;
    *) mt_log "deregistration failed (HTTP $MT_HTTP_STATUS); the gateway drops the target after its ttl ($MT_TTL)" ;;
  esac
}

# mt_heartbeat_loop: the background heartbeat: the registration POST every ttl/3, forever.
mt_heartbeat_loop() {
  trap 'if [[ -n ${MT_SLEEP_PID:-} ]]; then kill "$MT_SLEEP_PID" 2>/dev/null; fi; exit 0' TERM INT HUP
  local failing=0
  while :; do
    mt_sleep "$(mt_seconds "$MT_HEARTBEAT_MS")"
    if mt_register; then
      if ((failing)); then mt_log "heartbeat: the gateway answers again"; fi
      failing=0
    else
      failing=1
    fi
  done
}

# ---------------------------------------------------------------------------------------------
# Running the server

# mt_serve BUILD_FN: the job's life. BUILD_FN PORT fills the array MT_CMD with the server's command
# line for that port. mt_serve picks the port, starts the command in the background, waits for GET
# /health to answer 200, registers with the gateway, heartbeats every ttl/3 and waits for the server.
# On SIGTERM/SIGINT/SIGHUP (Slurm: scancel, the time limit, or --signal=B:TERM@N before it) and on
# any exit, mt_cleanup deregisters and stops the server. Exits with the server's status.
mt_serve() {
  local build=$1 attempt=0 rc
  MT_STATE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/modeltainer-job.XXXXXX")
  trap 'mt_on_signal TERM 15' TERM
  trap 'mt_on_signal INT 2' INT
  trap 'mt_on_signal HUP 1' HUP
  trap mt_cleanup EXIT
  mt_registration_init
  local host
  host=$(mt_backend_host) || exit 1
  local start_timeout=${MODELTAINER_START_TIMEOUT:-1800}
  while :; do
    MT_PORT=$(mt_free_port "$host") || exit 1
    MT_BACKEND_URL="http://$host:$MT_PORT"
    MT_CMD=()
    "$build" "$MT_PORT"
    ((${#MT_CMD[@]})) || mt_die "$build did not set MT_CMD"
    # MODELTAINER_SRUN=1: the server as a job step (sacct shows its use; some sites bind GPUs per step)
    if [[ ${MODELTAINER_SRUN:-0} == 1 ]]; then
      local -a srun_args=()
      read -r -a srun_args <<<"${MODELTAINER_SRUN_ARGS:-}"
      MT_CMD=(srun --ntasks=1 --nodes=1 ${srun_args[@]+"${srun_args[@]}"} "${MT_CMD[@]}")
    fi
    mt_log "starting: ${MT_CMD[*]}"
    "${MT_CMD[@]}" &
    MT_SERVER_PID=$!
    echo "$MT_SERVER_PID" >"$MT_STATE_DIR/server-pid"
    mt_log "server pid $MT_SERVER_PID; waiting up to ${start_timeout}s for http://127.0.0.1:$MT_PORT/health"
    if mt_wait_healthy "http://127.0.0.1:$MT_PORT" "$MT_SERVER_PID" "$start_timeout"; then break; fi
    if kill -0 "$MT_SERVER_PID" 2>/dev/null; then
      mt_die "the server did not become healthy within ${start_timeout}s (MODELTAINER_START_TIMEOUT)"
    fi
    wait "$MT_SERVER_PID"
    rc=$?
    MT_SERVER_PID=
    # someone else took the port between our check and the server's bind: try another one
    if [[ -z ${MODELTAINER_BACKEND_PORT:-} ]] && ((++attempt < 3)) && mt_port_in_use "$MT_PORT"; then
      mt_log "port $MT_PORT was taken by another process; starting again on another port"
      continue
    fi
    mt_log "the server exited with status $rc before it was healthy"
    exit "$rc"
  done
  mt_log "server healthy at $MT_BACKEND_URL"
  echo "$MT_BACKEND_URL" >"$MT_STATE_DIR/backend-url"

  if ((MT_REGISTER)); then
    local tries=0 status
    while :; do
      mt_register
      status=$?
      ((status == 0)) && break
      ((status == 2)) && mt_die "check MODELTAINER_MODEL ('$MT_MODEL': a model of the gateway's config with registered: true) and the admin key"
      ((++tries < 30)) || mt_die "could not register with $MT_GATEWAY_URL"
      mt_sleep 2
      kill -0 "$MT_SERVER_PID" 2>/dev/null || break
    done
    mt_heartbeat_loop &
    MT_HEARTBEAT_PID=$!
  fi

  wait "$MT_SERVER_PID"
  rc=$?
  MT_SERVER_PID=
  mt_log "the server exited with status $rc"
  exit "$rc"
}

# mt_wait_healthy BASE_URL PID TIMEOUT_S [PATH]: 0 once GET BASE_URL/health (or PATH) answers 200
# (llama-server answers 503 while loading, vLLM refuses connections); 1 when PID exits or TIMEOUT_S pass.
mt_wait_healthy() {
  local url=$1 pid=$2 limit=$3 path=${4:-/health} start=$SECONDS code
  while ((SECONDS - start < limit)); do
    kill -0 "$pid" 2>/dev/null || return 1
    code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url$path" 2>/dev/null) || true
    [[ $code == 200 ]] && return 0
    mt_sleep "${MODELTAINER_HEALTH_POLL:-1}"
  done
  return 1
}

mt_on_signal() {
  mt_log "SIG$1: deregistering and stopping the server"
  exit $((128 + $2))
}

# mt_cleanup (the EXIT trap): stop heartbeats, deregister, give the server MODELTAINER_DRAIN seconds
# (default 10) to finish what it holds if it still runs, then SIGTERM it, and SIGKILL after
# MODELTAINER_STOP_TIMEOUT seconds (default 15). Slurm's KillWait (30 s by default) bounds it all.
mt_cleanup() {
  local rc=$?
  trap '' TERM INT HUP # a second signal must not cut the deregistration short
  trap - EXIT
  if [[ -n ${MT_SLEEP_PID:-} ]]; then kill "$MT_SLEEP_PID" 2>/dev/null; fi
  if [[ -n ${MT_HEARTBEAT_PID:-} ]]; then
    kill "$MT_HEARTBEAT_PID" 2>/dev/null
    wait "$MT_HEARTBEAT_PID" 2>/dev/null
  fi
  mt_deregister
  if [[ -n ${MT_SERVER_PID:-} ]] && kill -0 "$MT_SERVER_PID" 2>/dev/null; then
    mt_wait_exit "$MT_SERVER_PID" "${MODELTAINER_DRAIN:-10}" ||
      { kill -TERM "$MT_SERVER_PID" 2>/dev/null && mt_log "sent SIGTERM to the server (pid $MT_SERVER_PID)"; }
    if ! mt_wait_exit "$MT_SERVER_PID" "${MODELTAINER_STOP_TIMEOUT:-15}"; then
      mt_log "the server did not stop; SIGKILL"
      kill -KILL "$MT_SERVER_PID" 2>/dev/null
    fi
    wait "$MT_SERVER_PID" 2>/dev/null
  fi
  if [[ -n ${MT_STATE_DIR:-} ]]; then rm -rf "$MT_STATE_DIR"; fi
  exit "$rc"
}

# mt_wait_exit PID SECONDS: true once PID has exited (polled every 0.2 s), false after SECONDS.
mt_wait_exit() {
  local pid=$1 ticks=$(($2 * 5))
  while kill -0 "$pid" 2>/dev/null; do
    ((ticks-- > 0)) || return 1
    sleep 0.2
  done
  return 0
}
