#!/bin/sh
# Entrypoint of the ipfs-cluster-ts image (same contract as the ipfs/ipfs-cluster image).
#
#   1. DOCKER_DEBUG non-empty: trace every command (set -x).
#   2. Started as root: make sure the user "ipfs" can write $IPFS_CLUSTER_PATH (chown it otherwise) and
#      run this same script again as that user. The image runs as root only for this step; with
#      `docker run --user ...` it is skipped.
#   3. Print the version.
#   4. No $IPFS_CLUSTER_PATH/service.json yet: `ipfs-cluster-service init --consensus $IPFS_CLUSTER_CONSENSUS`.
#      init reads the environment itself: CLUSTER_SECRET, CLUSTER_PEERNAME, CLUSTER_PEERS (fixed peerset),
#      CLUSTER_IPFSHTTP_NODEMULTIADDRESS or IPFS_API (use that IPFS daemon; with neither, a Kubo RPC API
#      that answers at 127.0.0.1:5001, e.g. on the host with --network host, else the embedded IPFS node)
#      and every other CLUSTER_* override.
#   5. exec ipfs-cluster-service with the container's arguments (default: daemon), each one kept as is.
#
# Privilege drop: `setpriv` (util-linux, present in Debian slim images) changes uid/gid/groups and then
# exec()s the command directly: no PAM session, no intermediate process staying around, the arguments are
# passed as they are (with `su` they would have to be re-quoted into a `-c` string), and signals from tini
# reach the service itself. `su-exec` (what the Go image uses on Alpine) is used when setpriv is missing.
#
# Variables for tests and special setups (not needed in normal use):
#   ENTRYPOINT_SKIP_SETUID=1  stay root (no privilege drop)
#   IPFS_CLUSTER_USER         user to run as (default: ipfs); when it does not exist, nothing is changed
#
# POSIX sh: works with dash and busybox ash.
set -e

if [ -n "${DOCKER_DEBUG:-}" ]; then
  set -x
fi

IPFS_CLUSTER_PATH="${IPFS_CLUSTER_PATH:-/data/ipfs-cluster}"
export IPFS_CLUSTER_PATH
run_user="${IPFS_CLUSTER_USER:-ipfs}"

if [ "$(id -u)" -eq 0 ] && [ "${ENTRYPOINT_SKIP_SETUID:-}" != "1" ]; then
  if id "$run_user" >/dev/null 2>&1; then
    echo "Changing user to $run_user"
    run_uid="$(id -u "$run_user")"
    run_gid="$(id -g "$run_user")"
    run_home="$(getent passwd "$run_user" 2>/dev/null | cut -d: -f6)" || run_home=""
    if [ -n "$run_home" ]; then
      HOME="$run_home"
      export HOME
    fi
    mkdir -p "$IPFS_CLUSTER_PATH"
    if command -v setpriv >/dev/null 2>&1; then
      if ! setpriv --reuid="$run_uid" --regid="$run_gid" --init-groups test -w "$IPFS_CLUSTER_PATH"; then
        echo "Fixing the ownership of $IPFS_CLUSTER_PATH (not writable by $run_user)"
        chown -R "$run_uid:$run_gid" "$IPFS_CLUSTER_PATH"
      fi
      exec setpriv --reuid="$run_uid" --regid="$run_gid" --init-groups sh "$0" "$@"
    elif command -v su-exec >/dev/null 2>&1; then
      if ! su-exec "$run_user" test -w "$IPFS_CLUSTER_PATH"; then
        echo "Fixing the ownership of $IPFS_CLUSTER_PATH (not writable by $run_user)"
        chown -R "$run_uid:$run_gid" "$IPFS_CLUSTER_PATH"
      fi
      exec su-exec "$run_user" sh "$0" "$@"
    else
      echo "error: cannot change user to $run_user: neither setpriv nor su-exec is installed" >&2
      exit 1
    fi
  else
    echo "User $run_user does not exist: running as $(id -un 2>/dev/null || id -u)"
  fi
fi

ipfs-cluster-service --version

if [ -e "$IPFS_CLUSTER_PATH/service.json" ]; then
  echo "Found IPFS cluster configuration at $IPFS_CLUSTER_PATH"
else
  case "${1:-}" in
    init|version|help|h|--version|-v|--help|-h)
      # the command itself creates the configuration or needs none: an automatic init first would only
      # make an explicit `init` stop at its "overwrite?" prompt
      ;;
    *)
      ipfs_api="${CLUSTER_IPFSHTTP_NODEMULTIADDRESS:-${IPFS_API:-}}"
      if [ -n "$ipfs_api" ]; then
        echo "This container only runs ipfs-cluster-service. The IPFS daemon at $ipfs_api needs to be run separately!"
      else
        echo "No IPFS daemon configured (CLUSTER_IPFSHTTP_NODEMULTIADDRESS or IPFS_API): using the IPFS daemon at 127.0.0.1:5001 if one answers there, the embedded IPFS node otherwise."
      fi
      echo "Initializing default configuration..."
      ipfs-cluster-service init --consensus "${IPFS_CLUSTER_CONSENSUS:-crdt}"
      ;;
  esac
fi

exec ipfs-cluster-service "$@"
