#!/usr/bin/env bash
# Installs what the real-WordPress tests need, once: PHP (cli + mysqli) from Debian, and
# Debian's `wordpress` package files unpacked (not installed: no Apache) into a cache outside
# the clone. MariaDB is the machine's (127.0.0.1:3306). Re-running does nothing.
set -euo pipefail
CACHE="${BRANDLOOM_CACHE:-$HOME/.cache/brandloom}/wordpress"
if ! php -m 2>/dev/null | grep -qx mysqli; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends php-cli php-mysql
fi
if [ ! -f "$CACHE/site/wp-load.php" ]; then
    mkdir -p "$CACHE/deb" && cd "$CACHE/deb"
    ls wordpress_*.deb >/dev/null 2>&1 || apt-get download wordpress
    rm -rf root && dpkg -x wordpress_*.deb root
    rm -rf "$CACHE/site.tmp" && cp -a root/usr/share/wordpress "$CACHE/site.tmp"
    rm -rf "$CACHE/site.tmp/wp-content" && cp -a root/var/lib/wordpress/wp-content "$CACHE/site.tmp/"
    mv "$CACHE/site.tmp" "$CACHE/site"
fi
echo "wordpress files: $CACHE/site"
