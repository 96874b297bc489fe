#!/usr/bin/env bash
# Prints the Redis commands that create hotdesk's ACL users (helm/hotdesk/files/redis-acl.rules),
# for a Redis you run yourself. Passwords come from files or the environment, never from this
# script's command line, and reach Redis on redis-cli's standard input (not in any process list):
#
#   HOTDESK_SERVER_REDIS_PASSWORD_FILE=server.pw HOTDESK_XSP_REDIS_PASSWORD_FILE=xsp.pw \
#     deploy/redis-acl.sh --prefix hotdesk | REDISCLI_AUTH="$ADMIN_PASSWORD" redis-cli -h redis
#
# Then run hotdesk-server with --redis_username hotdesk-server and --redis_password_file server.pw
# (and the bridge with hotdesk-xsp). A user whose password is not given is skipped, with a note on
# stderr. "ACL SAVE" is printed last for a Redis that keeps its users in an aclfile.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rules="$here/../helm/hotdesk/files/redis-acl.rules"
prefix=hotdesk
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix="$2"; shift 2 ;;
    --rules) rules="$2"; shift 2 ;;
    *) echo "usage: $0 [--prefix P] [--rules FILE]" >&2; exit 2 ;;
  esac
done
case "$prefix" in *[!A-Za-z0-9_.-]*|"") echo "--prefix: letters, digits, _ . - only" >&2; exit 2 ;; esac

password_of() {  # user -> password from HOTDESK_<USER>_REDIS_PASSWORD(_FILE), user without "hotdesk-"
  local var
  var="HOTDESK_$(printf '%s' "${1#hotdesk-}" | tr 'a-z-' 'A-Z_')_REDIS_PASSWORD"
  local file_var="${var}_FILE"
  if [ -n "${!file_var:-}" ]; then
    head -n1 "${!file_var}" | tr -d '\r\n'
  else
    printf '%s' "${!var:-}"
  fi
}

while read -r user acl; do
  case "$user" in ''|'#'*) continue ;; esac
  pw="$(password_of "$user")"
  if [ -z "$pw" ]; then
    echo "redis-acl: no password for $user; skipped" >&2
    continue
  fi
  case "$pw" in *[[:space:]]*) echo "redis-acl: the password of $user has white space" >&2; exit 1 ;; esac
  printf 'ACL SETUSER %s reset %s >%s\n' "$user" "${acl//%PREFIX%/$prefix}" "$pw"
done <"$rules"
echo "ACL SAVE"
