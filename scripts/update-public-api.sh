#!/usr/bin/env bash
# Rewrites every src/*/PublicAPI.Unshipped.txt from the code (RS0016 fixes of Microsoft.CodeAnalysis.PublicApiAnalyzers),
# keeping what PublicAPI.Shipped.txt already lists. Run it after changing a public API, then review the diff: every
# line that appears is a public API you are adding.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/*/*.csproj; do
  dir=$(dirname "$project")
  printf '#nullable enable\n' > "$dir/PublicAPI.Unshipped.txt"
  dotnet format analyzers "$project" --diagnostics RS0016 --severity warn -v q
  # dotnet format leaves generated files (VpxSharp's *.g.cs) alone; the compiler's RS0016 messages name those lines.
  dotnet build "$project" -c Release -nologo -v:q 2>&1 \
    | sed -n "s/.*error RS0016: Symbol '\(.*\)' is not part of the declared public API.*/\1/p" | sort -u >> "$dir/PublicAPI.Unshipped.txt" || true
  echo "$dir: $(grep -vc '^#' "$dir/PublicAPI.Unshipped.txt") unshipped lines"
done
