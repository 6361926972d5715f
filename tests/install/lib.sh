# Sourced by the install tests (which count $passed and $failed): ok WHAT,
# not_ok WHAT [LOG] (the log's tail shown), and copy_tree SRC DEST, which
# copies the source tree
# (git's tracked and untracked-not-ignored files, or, outside a checkout,
# everything but build directories and .git) into DEST, so a build there
# never touches the checkout.
copy_tree() {
    local src=$1 dest=$2
    mkdir -p "$dest"
    if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
        git -C "$src" ls-files -co --exclude-standard -z | tar -C "$src" -cf - --null -T - | tar -xf - -C "$dest"
    else
        tar -C "$src" -cf - --exclude='./build*' --exclude=./.git . | tar -xf - -C "$dest"
    fi
}

ok() { passed=$((passed + 1)); echo "ok - $1"; }
not_ok() {
    failed=$((failed + 1))
    echo "not ok - $1"
    [ -n "${2:-}" ] && [ -f "$2" ] && sed 's/^/#   /' "$2" | tail -n 40
    return 0
}
