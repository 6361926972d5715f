#!/bin/sh
# domcaps(1) documents every command and option the CLI has: each command
# listed by `domcaps --help` and each option of `domcaps [CMD] --help-all`
# must appear in bold (*--option*, *command*) in docs/domcaps.1.scd.
# Usage: check-man.sh DOMCAPS_BINARY docs/domcaps.1.scd
set -eu
domcaps=$1
page=$2
missing=""
commands=$(LC_ALL=C "$domcaps" --help | sed -n '/^Other commands/,/^$/{s/^  \([a-z][a-z0-9-]*\) .*/\1/p}')
for cmd in "" $commands; do
    # shellcheck disable=SC2086
    opts=$(LC_ALL=C "$domcaps" $cmd --help-all | grep -o -- '--[a-z][a-z0-9-]*' | sort -u)
    for opt in $opts; do
        case $opt in --help | --help-*) continue ;; esac
        grep -qF -- "*$opt*" "$page" || missing="$missing ${cmd:+$cmd }$opt"
    done
    if [ -n "$cmd" ] && ! grep -qF -- "*$cmd*" "$page"; then
        missing="$missing $cmd"
    fi
done
if [ -n "$missing" ]; then
    echo "not documented in $page:$missing" >&2
    exit 1
fi
echo "$page documents every command ($(echo $commands | wc -w) besides domcapabilities) and option"
