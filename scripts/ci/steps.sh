#!/usr/bin/env bash
# The CI steps, written once. `.ci/run` (this Debian machine, a fresh clone, as root) runs
# `steps.sh ci`; .github/workflows/ci.yml (a Debian container on GitHub's runners) calls the same
# steps one by one, so the two cannot drift (test/release/workflows.test.ts checks that the
# workflow calls every step of `ci`).
#   bash scripts/ci/steps.sh ci                  everything .ci/run runs, in order
#   bash scripts/ci/steps.sh STEP [STEP …]       one or more of the steps below
set -euo pipefail
cd "$(dirname "$0")/../.."

# The steps of a full CI run, in order.
CI_STEPS=(system install lint typecheck test prometheus)

# Debian's packages the tests use:
# redis-server: the rate-limit tests start throwaway redis-servers (two gateways sharing one each);
# the shellcheck package: test/deploy/shell-scripts.test.ts lints every shell script with it;
# chromium: the /docs and /ui pages are tested in a real browser (playwright-core drives /usr/bin/chromium);
# systemd: test/deploy/systemd.test.ts runs `systemd-analyze verify` on the units (Debian has it; a container may not).
step_system() {
  if command -v redis-server >/dev/null 2>&1 && command -v shellcheck >/dev/null 2>&1 && [ -x /usr/bin/chromium ] && command -v systemd-analyze >/dev/null 2>&1; then return; fi
  export DEBIAN_FRONTEND=noninteractive
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends redis-server shellcheck chromium systemd >/dev/null
}

step_install() { npm ci --no-audit --no-fund; }
step_lint() { npm run lint; }
step_typecheck() { npm run typecheck; }
step_test() { npm test; }
# the Compose stack's Prometheus config and alert rules, with the real promtool
step_prometheus() { bash scripts/check-prometheus.sh; }
# Known vulnerabilities in what ships (not the dev tools). Only in the GitHub workflow: the registry
# this project's own CI reaches does not answer audit requests.
step_audit() { npm audit --omit=dev --audit-level=moderate; }
# CycloneDX SBOM of the production dependencies (test/release/sbom.test.ts checks its content)
step_sbom() { npm run sbom; }

run_step() {
  case "$1" in
    system | install | lint | typecheck | test | prometheus | audit | sbom) "step_$1" ;;
    ci) for s in "${CI_STEPS[@]}"; do run_step "$s"; done ;;
    *)
      echo "unknown step '$1' (steps: ci ${CI_STEPS[*]} audit sbom)" >&2
      exit 2
      ;;
  esac
}

[ $# -gt 0 ] || set -- ci
for step in "$@"; do run_step "$step"; done
