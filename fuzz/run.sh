#!/usr/bin/env bash
# Runs one fuzz target for a chosen time, locally.
#
#   fuzz/run.sh TARGET [SECONDS] [afl|libfuzzer] [--promote]   (defaults: 300 s, afl)
#   fuzz/run.sh list
#
# afl:       AFL++ (Debian `afl++`) drives SharpFuzz's out-of-process runner. Findings go to
#            artifacts/fuzz/TARGET/findings; crashes in findings/default/crashes.
# libfuzzer: needs the libfuzzer-dotnet driver on PATH (or LIBFUZZER_DOTNET=path); new inputs go
#            to artifacts/fuzz/TARGET/corpus, crashes to artifacts/fuzz/TARGET/crash-*.
# The build is published to artifacts/fuzz/bin and the SDK assemblies there are instrumented with
# SharpFuzz.CommandLine (`dotnet tool install -g SharpFuzz.CommandLine --version 2.3.0`); the
# normal build output is never touched. Prints execs and crashes at the end.
# --promote copies up to 60 inputs that found new coverage (up to 4 KiB each) into fuzz/corpus/TARGET as
# queue-*.bin, so the CI replay keeps exercising them; crashes are never promoted (write a regression test).
# Replay a crash: dotnet artifacts/fuzz/bin/IrohSocial.Fuzz.dll TARGET --replay FILE
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN="$ROOT/artifacts/fuzz/bin"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 PATH="$PATH:$HOME/.dotnet/tools"

target=${1:?usage: fuzz/run.sh TARGET [SECONDS] [afl|libfuzzer] | list}
seconds=${2:-300}
engine=${3:-afl}
promote=${4:-}

build() {
  if [ ! -f "$BIN/.instrumented" ] || [ -n "$(find src fuzz/IrohSocial.Fuzz -newer "$BIN/.instrumented" -name '*.cs' -o -newer "$BIN/.instrumented" -name '*.bin' | head -1)" ]; then
    rm -rf "$BIN"
    # A separate artifacts path keeps this build from racing a normal build of the same projects.
    dotnet publish fuzz/IrohSocial.Fuzz -c Release -o "$BIN" --artifacts-path "$ROOT/artifacts/fuzz/build" -nologo -v:q >/dev/null
    command -v sharpfuzz >/dev/null || { echo "run.sh: install SharpFuzz.CommandLine (dotnet tool install -g SharpFuzz.CommandLine --version 2.3.0)" >&2; exit 1; }
    # Instrument the SDK assemblies only: the harness, SharpFuzz and the BCL stay as they are.
    # Nerdbank.Streams parses the multiplexing frames a peer sends (mux-frames target): instrument it too.
    for dll in "$BIN"/IrohSocial.*.dll "$BIN"/VpxSharp.dll "$BIN"/Nerdbank.Streams.dll; do
      case "$(basename "$dll")" in IrohSocial.Fuzz.dll) continue ;; esac
      [ -f "$dll" ] && sharpfuzz "$dll" >/dev/null
    done
    touch "$BIN/.instrumented"
  fi
}

if [ "$target" = list ]; then
  dotnet run --project fuzz/IrohSocial.Fuzz -c Release -- list
  exit 0
fi

build
corpus="$ROOT/fuzz/corpus/$target"
[ -d "$corpus" ] || { echo "run.sh: no corpus at $corpus" >&2; exit 1; }
out="$ROOT/artifacts/fuzz/$target"
mkdir -p "$out"

case "$engine" in
  afl)
    command -v afl-fuzz >/dev/null || { echo "run.sh: install AFL++ (apt-get install afl++)" >&2; exit 1; }
    rm -rf "$out/findings"
    # .NET is not compiled with AFL instrumentation; SharpFuzz provides the coverage map itself.
    export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1
    afl-fuzz -V "$seconds" -i "$corpus" -o "$out/findings" -t 10000 -m none -- dotnet "$BIN/IrohSocial.Fuzz.dll" "$target" > "$out/afl.log" 2>&1 || true
    stats="$out/findings/default/fuzzer_stats"
    if [ ! -f "$stats" ]; then
      echo "run.sh: afl-fuzz did not start; see $out/afl.log" >&2
      tail -20 "$out/afl.log" >&2
      exit 1
    fi
    grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|bitmap_cvg) ' "$stats"
    crashes=$(find "$out/findings/default/crashes" -type f -name 'id:*' 2>/dev/null | wc -l)
    queue="$out/findings/default/queue"
    ;;
  libfuzzer)
    driver=${LIBFUZZER_DOTNET:-libfuzzer-dotnet}
    command -v "$driver" >/dev/null || [ -x "$driver" ] || { echo "run.sh: libfuzzer-dotnet driver not found" >&2; exit 1; }
    mkdir -p "$out/corpus"
    "$driver" --target_path=dotnet --target_arg="$BIN/IrohSocial.Fuzz.dll $target --libfuzzer" \
      -max_total_time="$seconds" -timeout=10 -artifact_prefix="$out/" -print_final_stats=1 \
      "$out/corpus" "$corpus" 2>&1 | tee "$out/libfuzzer.log" | tail -15 || true
    crashes=$(find "$out" -maxdepth 1 -name 'crash-*' | wc -l)
    queue="$out/corpus"
    ;;
  *) echo "run.sh: unknown engine $engine" >&2; exit 2 ;;
esac

if [ "$promote" = "--promote" ]; then
  # At most 60 inputs per run, spread evenly over the queue, so the CI replay stays fast.
  mapfile -t entries < <(find "$queue" -maxdepth 1 -type f ! -name '*orig:*' -size -4097c | sort)
  step=$(( (${#entries[@]} + 59) / 60 )); [ "$step" -ge 1 ] || step=1
  n=0
  for ((i = 0; i < ${#entries[@]}; i += step)); do
    f=${entries[$i]}
    name="queue-$(sha256sum "$f" | cut -c1-16).bin"
    cmp -s "$f" "$corpus/$name" 2>/dev/null || { cp "$f" "$corpus/$name"; n=$((n + 1)); }
  done
  echo "promoted: $n"
fi
echo "crashes: $crashes"
[ "$crashes" -eq 0 ]
