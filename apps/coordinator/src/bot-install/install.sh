#!/bin/sh
# Installs a Drover bot on this machine from the coordinator that served this script:
#
#   curl -fsS http://COORDINATOR:7071/bot/install.sh | sudo sh -s -- --token-file /path/bot.token
#
# It downloads the drover-bot executable (with the bot token), checks its SHA-256 against the one
# written below by the coordinator, creates the `drover` system user when missing, puts the
# executable in /usr/local/bin, the token in /etc/drover, writes /etc/drover/bot.yaml and the
# systemd unit (drover-bot install does that part), then enables and starts the unit.
# Everything it needs is checked before anything is written; a failure after that removes what
# this run wrote. `sh install.sh --help` lists the options.
set -eu

# Filled in by the coordinator that served this script.
DROVER_URL=@DROVER_URL@
DROVER_SERVER=@DROVER_SERVER@
DROVER_TLS=@DROVER_TLS@
BOT_EXECUTABLE=@BOT_EXECUTABLE@
BOT_SHA256=@BOT_SHA256@
DROVER_VERSION=@DROVER_VERSION@

usage() {
  cat <<EOF
Usage: curl -fsS $DROVER_URL/bot/install.sh | sudo sh -s -- --token-file FILE [options]

Installs drover-bot $DROVER_VERSION from $DROVER_URL as a systemd service.

  --token-file FILE    the bot token (required); copied to /etc/drover/bot.token (mode 0600)
  --pool POOL          the bot's pool dimension
  --dimension K=V      an extra dimension (repeatable)
  --id ID              the bot id (default: the hostname, at each start)
  --user USER          run the bot as USER (default: drover, created when missing)
  --server HOST:PORT   the coordinator's gRPC address (default: $DROVER_SERVER)
  --ca-file FILE       PEM roots to trust: for this download and for the bot (TLS)
  --prefix DIR         install under DIR instead of / (tests, installs without root):
                       no user is created and nothing is started
  --no-start           write everything, but do not enable or start the unit
  --dry-run            check everything (the download and its checksum too), write nothing
  --help               this text

Exit status: 0 installed; 1 something failed (nothing left half-installed); 2 a bad option.
EOF
}

say() { printf '%s\n' "$*"; }
need_value() { [ $# -ge 2 ] || usage_error "$1 needs a value"; }
die() {
  printf 'drover install: %s\n' "$*" >&2
  exit 1
}
usage_error() {
  printf 'drover install: %s\n(--help lists the options)\n' "$*" >&2
  exit 2
}
# A word the shell reads back as it is (for the commands printed).
quote() { printf "'%s'" "$(printf '%s' "$1" | sed "s/'/'\\\\''/g")"; }

# The whole script is read before any of it runs (main is called on the last line): with
# `curl … | sh`, a command reading standard input could otherwise eat the rest of the script.
main() {
token_file=''
prefix=''
start=1
dry_run=0
pool=''
bot_id=''
user=''
ca_file=''
server="$DROVER_SERVER"
dimensions=''
while [ $# -gt 0 ]; do
  case "$1" in
    --token-file) need_value "$@"; token_file="$2"; shift 2 ;;
    --prefix) need_value "$@"; prefix="$2"; shift 2 ;;
    --no-start) start=0; shift ;;
    --dry-run) dry_run=1; shift ;;
    --pool) need_value "$@"; pool="$2"; shift 2 ;;
    --id) need_value "$@"; bot_id="$2"; shift 2 ;;
    --user) need_value "$@"; user="$2"; shift 2 ;;
    --server) need_value "$@"; server="$2"; shift 2 ;;
    --ca-file) need_value "$@"; ca_file="$2"; shift 2 ;;
    --dimension)
      need_value "$@"
      case "$2" in *=*) ;; *) usage_error "--dimension: '$2' is not KEY=VALUE" ;; esac
      # One per line; a value holding a newline would split, so refuse it.
      case "$2" in *'
'*) usage_error "--dimension: '$2' holds a newline" ;; esac
      dimensions="$dimensions$2
"
      shift 2
      ;;
    -h | --help) usage; exit 0 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done

# ---- checks: nothing is written before all of them pass --------------------------------------
[ -n "$token_file" ] || usage_error "--token-file is required (the bot token, from the coordinator's admin)"
[ -f "$token_file" ] && [ -r "$token_file" ] || die "--token-file: cannot read $token_file"
token=$(tr -d ' \t\r\n' <"$token_file")
[ -n "$token" ] || die "--token-file: $token_file is empty"
case "$token" in *[!A-Za-z0-9._~+/=-]*) die "--token-file: $token_file does not hold a token" ;; esac
if [ -n "$ca_file" ]; then
  [ -f "$ca_file" ] && [ -r "$ca_file" ] || die "--ca-file: cannot read $ca_file"
  case "$ca_file" in /*) ;; *) ca_file="$(pwd)/$ca_file" ;; esac
fi
case "$(uname -s)/$(uname -m)" in
  Linux/x86_64) ;;
  *) die "this coordinator serves a linux-x64 bot; this machine is $(uname -s)/$(uname -m)" ;;
esac
command -v curl >/dev/null 2>&1 || die "curl is needed to download the bot"
if command -v sha256sum >/dev/null 2>&1; then
  sha256() { sha256sum "$1" | cut -d' ' -f1; }
elif command -v shasum >/dev/null 2>&1; then
  sha256() { shasum -a 256 "$1" | cut -d' ' -f1; }
else
  die "sha256sum (or shasum) is needed to check the download"
fi

if [ -n "$prefix" ]; then
  case "$prefix" in /*) ;; *) prefix="$(pwd)/$prefix" ;; esac
  prefix="${prefix%/}"
  # Under a prefix nothing outside it changes: no user, no systemctl.
  start=0
  create_user=0
else
  [ "$(id -u)" = 0 ] || die "run as root (sudo sh -s -- …), or install under a directory with --prefix DIR"
  create_user=1
  [ -n "$user" ] || user=drover
fi
if [ -n "$user" ]; then
  case "$user" in
    [A-Za-z_]*) ;;
    *) usage_error "--user: not a user name: '$user'" ;;
  esac
  case "$user" in *[!A-Za-z0-9_.-]*) usage_error "--user: not a user name: '$user'" ;; esac
fi
if [ "$start" = 1 ]; then
  command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ] ||
    die "systemd is not running here: add --no-start and run the bot yourself (drover-bot --config /etc/drover/bot.yaml)"
fi
if [ -n "$user" ] && [ "$create_user" = 1 ] && ! id -u "$user" >/dev/null 2>&1; then
  command -v useradd >/dev/null 2>&1 || die "user $user does not exist and useradd is missing: create it, or give --user"
fi

bin_dir="$prefix/usr/local/bin"
conf_dir="$prefix/etc/drover"
unit_dir="$prefix/etc/systemd/system"
work_dir="$prefix/var/lib/drover-bot"
bot="$bin_dir/drover-bot"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/drover-install.XXXXXX")
# Written during the install, removed again if it fails (one path per line, newest last; a user
# this run created as user:NAME).
created="$tmp/created"
: >"$created"
installed=0
cleanup() {
  if [ "$installed" = 0 ] && [ -s "$created" ]; then
    say "drover install: failed; removing what this run wrote" >&2
    tac "$created" | while IFS= read -r p; do
      case "$p" in
        user:*) userdel "${p#user:}" 2>/dev/null || true ;;
        *) rm -rf "$p" ;;
      esac
    done
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# The token goes in a header file, not on curl's command line (other users see command lines).
(umask 077 && printf 'Authorization: Bearer %s\n' "$token" >"$tmp/auth")
set -- -sS --proto '=http,https' --max-redirs 0 --connect-timeout 10
[ -n "$ca_file" ] && set -- "$@" --cacert "$ca_file"
say "downloading drover-bot $DROVER_VERSION from $DROVER_URL ..."
code=$(curl "$@" -H "@$tmp/auth" -o "$tmp/drover-bot" -w '%{http_code}' \
  "$DROVER_URL/bot/$BOT_EXECUTABLE") || die "cannot reach the coordinator at $DROVER_URL"
case "$code" in
  200) ;;
  401 | 403) die "the coordinator refused the token in $token_file (HTTP $code): give a bot token" ;;
  404) die "the coordinator at $DROVER_URL has no bot executable to serve (HTTP 404): start it from a release" ;;
  *) die "downloading the bot failed: HTTP $code from $DROVER_URL/bot/$BOT_EXECUTABLE" ;;
esac
actual=$(sha256 "$tmp/drover-bot")
[ "$actual" = "$BOT_SHA256" ] ||
  die "the downloaded bot's SHA-256 is $actual, the coordinator said $BOT_SHA256: not installing it"
chmod 755 "$tmp/drover-bot"
version=$("$tmp/drover-bot" --version 2>&1 </dev/null) || die "the downloaded bot does not run here: $version"
say "verified $version (sha256 $actual)"

# drover-bot install's options. A dry run names the files given (nothing is copied yet).
if [ "$dry_run" = 1 ]; then
  token_at="$(cd "$(dirname "$token_file")" && pwd)/$(basename "$token_file")"
  ca_at="$ca_file"
else
  token_at="$conf_dir/bot.token"
  ca_at="$conf_dir/ca.pem"
fi
set -- --server "$server" --token-file "$token_at" --dir "$work_dir" \
  --config-dir "$conf_dir" --unit-dir "$unit_dir" --force
if [ -n "$pool" ]; then set -- "$@" --pool "$pool"; fi
if [ -n "$bot_id" ]; then set -- "$@" --id "$bot_id"; fi
if [ -n "$user" ]; then set -- "$@" --user "$user"; fi
# No user is created under a prefix: that bot runs payloads as the user who starts it.
if [ -n "$prefix" ]; then set -- "$@" --no-task-user; fi
if [ -n "$ca_file" ]; then set -- "$@" --ca-file "$ca_at"; fi
if [ "$DROVER_TLS" = 1 ] && [ -z "$ca_file" ]; then set -- "$@" --tls; fi
while IFS= read -r d; do
  if [ -n "$d" ]; then set -- "$@" --dimension "$d"; fi
done <<EOF
$dimensions
EOF

if [ "$dry_run" = 1 ]; then
  [ -n "$user" ] && [ "$create_user" = 1 ] && ! id -u "$user" >/dev/null 2>&1 &&
    say "would create the system user $user"
  say "would install $bot, $conf_dir/bot.token (0600)${ca_file:+, $conf_dir/ca.pem}"
  say "would run: $bot install $*"
  "$tmp/drover-bot" install "$@" --dry-run </dev/null | sed 's/^/  /'
  [ "$start" = 1 ] && say "would run: systemctl daemon-reload && systemctl enable --now drover-bot"
  say "(dry run: nothing was written)"
  exit 0
fi

# ---- install ----------------------------------------------------------------------------------
# Each directory this run makes is recorded, so that a failure takes it away again.
make_dir() {
  [ -d "$1" ] && return 0
  make_dir "$(dirname "$1")"
  mkdir "$1"
  printf '%s\n' "$1" >>"$created"
}
if [ -n "$user" ] && [ "$create_user" = 1 ] && ! id -u "$user" >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/drover-bot --no-create-home --shell /usr/sbin/nologin "$user"
  printf 'user:%s\n' "$user" >>"$created"
  say "created the system user $user"
fi
make_dir "$bin_dir"
make_dir "$conf_dir"
[ -e "$bot" ] || printf '%s\n' "$bot" >>"$created"
cp "$tmp/drover-bot" "$bot.new"
printf '%s\n' "$bot.new" >>"$created"
mv -f "$bot.new" "$bot"
[ -e "$conf_dir/bot.token" ] || printf '%s\n' "$conf_dir/bot.token" >>"$created"
(umask 077 && printf '%s\n' "$token" >"$conf_dir/bot.token")
chmod 600 "$conf_dir/bot.token"
if [ -n "$ca_file" ]; then
  [ -e "$conf_dir/ca.pem" ] || printf '%s\n' "$conf_dir/ca.pem" >>"$created"
  cp "$ca_file" "$conf_dir/ca.pem"
  chmod 644 "$conf_dir/ca.pem"
fi
[ -e "$conf_dir/bot.yaml" ] || printf '%s\n' "$conf_dir/bot.yaml" >>"$created"
[ -e "$unit_dir/drover-bot.service" ] || printf '%s\n' "$unit_dir/drover-bot.service" >>"$created"
make_dir "$unit_dir"
make_dir "$work_dir"
"$bot" install "$@" >"$tmp/install.out" 2>&1 </dev/null || {
  cat "$tmp/install.out" >&2
  die "drover-bot install failed"
}
if [ -n "$user" ] && [ "$create_user" = 1 ]; then
  chown "$user" "$conf_dir/bot.token" "$work_dir"
fi
if [ "$start" = 1 ]; then
  systemctl daemon-reload
  systemctl enable --now drover-bot || die "systemctl could not start drover-bot (journalctl -u drover-bot says why)"
fi
installed=1

say "installed $version:"
say "  $bot"
say "  $conf_dir/bot.yaml (the bot's options), $conf_dir/bot.token (0600)"
say "  $unit_dir/drover-bot.service"
if [ "$start" = 1 ]; then
  say "drover-bot is running (systemctl status drover-bot)."
else
  say "Not started. Start it with:"
  if [ -n "$prefix" ]; then
    say "  $(quote "$bot") --config $(quote "$conf_dir/bot.yaml")"
  else
    say "  systemctl daemon-reload && systemctl enable --now drover-bot"
  fi
fi
say "See it in the fleet with: drover bots --server $server${bot_id:+ (bot id $bot_id)}"
}

main "$@"
