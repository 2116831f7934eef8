# shellcheck shell=bash
# Shared by the fake Slurm/Apptainer/NVIDIA commands of test/deploy/hpc.test.ts (sourced).
# HPC_SHIM_DIR: where they keep their state: calls.log (one line per call: the command's name and
# its arguments, tab-separated), job ids, job output and pid files.

: "${HPC_SHIM_DIR:?set HPC_SHIM_DIR to the state directory of the shims}"
# shellcheck disable=SC2034 # used by the shims that source this
SHIM_ROOT=$(cd "$(dirname -- "${BASH_SOURCE[0]}")/../../.." && pwd)

shim_record() {
  local IFS=$'\t'
  printf '%s\n' "$*" >>"$HPC_SHIM_DIR/calls.log"
}
