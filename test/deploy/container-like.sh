#!/usr/bin/env bash
# Runs a command the way the gateway image runs it, without a container engine (needs root):
# PID 1 of its own PID namespace, every file system read-only (like `docker run --read-only`, with
# no tmpfs at all), as the image's USER (uid:gid) with no other groups. test/deploy/build.test.ts uses it.
#   container-like.sh DIR UID:GID COMMAND [ARG...]      DIR: the working directory (the image's /app)
# Only this process's private mount namespace changes: `remount,bind,ro` sets the flag on its copy
# of each mount, never on the file system itself, so the host stays writable.
set -euo pipefail
dir=$1
user=$2
shift 2
# shellcheck disable=SC2016 # the inner script expands its own variables, in the namespaces
exec unshare --pid --fork --mount --propagation private -- bash -c '
  set -euo pipefail
  while read -r _ target _; do
    case $target in /proc|/proc/*|/sys|/sys/*|/dev|/dev/*) continue ;; esac
    mount -o remount,bind,ro "$target"
  done < /proc/self/mounts
  cd "$0"
  user=$1
  shift
  exec setpriv --reuid "${user%%:*}" --regid "${user#*:}" --clear-groups -- "$@"
' "$dir" "$user" "$@"
