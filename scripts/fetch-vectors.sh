#!/usr/bin/env bash
# Fetches the pinned Wycheproof test vectors used by tests/IrohSocial.Crypto.Tests and checks each
# file's sha256 (the pins match ../shared/vectors/wycheproof/SOURCE.md).
#
#   scripts/fetch-vectors.sh [destination]     default destination: <repo>/../shared/vectors
#
# Then run the tests with IROHSOCIAL_VECTORS=<destination> (not needed for the default location).
# The RFC set (rfc/rfc-vectors.json) and the derived ed25519->X25519 set are transcriptions kept in the
# shared folder, not downloads; their tests skip when the files are absent.
# WYCHEPROOF_BASE_URL overrides the download location (e.g. a mirror, or file:// for an offline copy).
set -euo pipefail

COMMIT=dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166
BASE_URL=${WYCHEPROOF_BASE_URL:-https://raw.githubusercontent.com/C2SP/wycheproof/$COMMIT/testvectors_v1}
LICENSE_URL=${WYCHEPROOF_LICENSE_URL:-https://raw.githubusercontent.com/C2SP/wycheproof/$COMMIT/LICENSE}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DEST=${1:-$ROOT/../shared/vectors}
OUT="$DEST/wycheproof"

# file  sha256
PINS="x25519_test.json 35c3f5231cf25cc640b524d403461deee9e49441d5d915a3a25b2c8ff5adbe7d
ed25519_test.json 752d2ea7d7c6cf4736381b6cbacb61f8182b126ab7cd9b058f00c50084975536
chacha20_poly1305_test.json fe61d25f90e1bde4461d00eafe61049e5f29bd999f36b766df9cda90906ad53d
xchacha20_poly1305_test.json a79de072571b90eb40c3a63ce0c7f75dcb4b62323c8870228e1f61dcc61d63a9
aes_gcm_test.json 985e5ecc172e181eaf49e89508b9470dcf478002eb7e8559c707eb42dc97dfe7
hkdf_sha256_test.json bb2b462a38b251cb52a2aede706d6d4b62b26864f4e80c95497507ddb07c5f1e
hmac_sha256_test.json 2d201cfa61d1bf95e6f5d07d96634b4a348b31e8eaa277ad7c8d09677b7a743f
LICENSE 58d1e17ffe5109a7ae296caafcadfdbe6a7d176f0bc4ab01e12a689b0499d8bd"

mkdir -p "$OUT"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
while read -r file sum; do
  if [ -f "$OUT/$file" ] && echo "$sum  $OUT/$file" | sha256sum -c --status; then
    echo "ok       $file (already present)"
    continue
  fi
  url="$BASE_URL/$file"
  [ "$file" = LICENSE ] && url="$LICENSE_URL"
  if ! curl -fsSL --retry 3 -o "$tmp/$file" "$url"; then
    echo "FAILED   $file: download from $url" >&2
    failed=1
    continue
  fi
  if echo "$sum  $tmp/$file" | sha256sum -c --status; then
    mv "$tmp/$file" "$OUT/$file"
    echo "ok       $file"
  else
    echo "FAILED   $file: sha256 $(sha256sum "$tmp/$file" | cut -d' ' -f1), expected $sum" >&2
    failed=1
  fi
done <<< "$PINS"

if [ "$failed" -ne 0 ]; then
  echo "fetch-vectors: some files failed; nothing unverified was written." >&2
  exit 1
fi
echo "fetch-vectors: Wycheproof $COMMIT in $OUT"
