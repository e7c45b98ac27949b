#!/usr/bin/env bash
# Message catalogs (docs/i18n.md). The .po files under api/locale/ are the translations; the running
# service compiles them in memory, so nothing here is needed to run gonghui, only to change messages.
#   bash scripts/i18n.sh extract       extract api/locale/messages.pot from the code, then update every .po
#                                      (new messages arrive untranslated, reworded ones marked fuzzy)
#   bash scripts/i18n.sh init ja       start the catalog of a new language: api/locale/ja/LC_MESSAGES/messages.po
#   bash scripts/i18n.sh stats         compile every catalog (into a temporary directory) and count
#                                      translated, fuzzy and untranslated messages
# Then run `bash scripts/test.sh tests/core/test_i18n_catalog.py`: it names every message still lacking
# a translation.
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh"
LOCALES=api/locale
POT="$LOCALES/messages.pot"
KEYWORDS=(--no-default-keywords -k _ -k _n:1,2)
# no line numbers and no dates: a moved line or a new day must not conflict when branches merge
STABLE=(--add-location=file --sort-output --width=110)

undate() {  # drop the creation/revision dates Babel writes into headers (git keeps the history)
  sed -i -e '/^"POT-Creation-Date: /d' -e '/^"PO-Revision-Date: /d' "$@"
}

mkdir -p "$LOCALES"
case "${1:-}" in
  extract)
    pybabel -q extract -F babel.cfg "${KEYWORDS[@]}" "${STABLE[@]}" --project=gonghui \
      --copyright-holder="gonghui contributors" -o "$POT" .
    undate "$POT"
    for po in "$LOCALES"/*/LC_MESSAGES/messages.po; do
      [ -e "$po" ] || continue
      locale="$(basename "$(dirname "$(dirname "$po")")")"
      pybabel -q update -i "$POT" -d "$LOCALES" -l "$locale" --ignore-obsolete --width=110
      undate "$po"
    done
    ;;
  init)
    [ -n "${2:-}" ] || { echo "usage: $0 init <locale, e.g. ja or zh_TW>" >&2; exit 2; }
    pybabel -q init -i "$POT" -d "$LOCALES" -l "$2" --width=110
    undate "$LOCALES/$2/LC_MESSAGES/messages.po"
    echo "created $LOCALES/$2/LC_MESSAGES/messages.po: translate every msgstr"
    ;;
  stats)
    tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
    cp -r "$LOCALES"/. "$tmp"/
    pybabel compile -d "$tmp" --statistics
    ;;
  *)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
