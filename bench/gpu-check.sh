#!/usr/bin/env bash
# GPU check of the WebGPU backend (README, GPU), in one run of a few minutes (under 8 on an H100):
#   1. the machine: GPU, driver, Vulkan loader and drivers (and an NVIDIA Vulkan ICD if it can be found)
#   2. the backends Temper finds and the WebGPU adapter (what `temper doctor --json` reports)
#   3. the ResNet-20 gradient match, webgpu against cpu (limit 1e-3 relative)
#   4. ResNet-20 training images/s at batch 128: webgpu against wasm (one thread, and data-parallel)
#
#   bench/gpu-check.sh          run the check; results go to $OUT (else bench/results/gpu-check)
#   bench/gpu-check.sh --pack   on a machine with node_modules: write what the check loads (no source
#                               maps; about 35 MB) to bench/results/gpu-check-modules/, to carry to an
#                               offline GPU machine that has Node but no node_modules
#
# Needs node_modules (npm ci with ELECTRON_SKIP_BINARY_DOWNLOAD=1), or the packed modules, or npm
# with network access. Exits non-zero if the gradient match or the webgpu benchmark fails.
set -uo pipefail
cd "$(dirname "$0")/.."

PACKED=bench/results/gpu-check-modules
RESULTS="${OUT:-bench/results/gpu-check}"
section() { printf '\n== %s\n' "$1"; }
have() { command -v "$1" >/dev/null 2>&1; }

if [ "${1:-}" = --pack ]; then
  [ -d node_modules/tsx ] || { echo "--pack needs node_modules (npm ci)" >&2; exit 1; }
  have strace || { echo "--pack traces the files the check opens: install strace" >&2; exit 1; }
  trace="$(mktemp)"
  # The same code paths as the check, small: which files under node_modules does it open?
  # tsx's transform cache would hide the esbuild binary it starts on a fresh machine.
  TSX_DISABLE_CACHE=1 strace -f -qq -e trace=openat,execve -o "$trace" sh -c '
    node --import tsx test/engine/webgpu/fixtures/gradient-check.ts
    node --import tsx bench/webgpu-throughput.ts --model resnet20 --batch 2 --steps 1 --workers 2 --timeout 300' >/dev/null 2>&1
  rm -rf "$PACKED" && mkdir -p "$PACKED/lib"
  grep -v ' = -1 ' "$trace" | grep -oE '"[^"]*node_modules/[^"]*"' | tr -d '"' | sort -u | while read -r file; do
    real="$(realpath -q "$file")" || continue
    case "$real" in "$PWD"/node_modules/*) ;; *) continue ;; esac
    [ -f "$real" ] && case "$real" in *.map) ;; *) install -D -m "$(stat -c %a "$real")" "$real" "$PACKED/${real#"$PWD"/}" ;; esac
  done
  rm -f "$trace"
  # The Vulkan loader: one small library, absent from many GPU containers.
  for lib in /usr/lib/x86_64-linux-gnu/libvulkan.so.1 /usr/lib64/libvulkan.so.1; do
    [ -e "$lib" ] && cp -L "$lib" "$PACKED/lib/libvulkan.so.1" && break
  done
  echo "packed $(find "$PACKED" -type f | wc -l) files, $(du -sh "$PACKED" | cut -f1), into $PACKED: carry that path"
  exit 0
fi

mkdir -p "$RESULTS"
status=0

section "node and modules"
have node || { echo "node not found: the check needs Node.js 20.19 or newer" >&2; exit 1; }
echo "node $(node --version)"
linked_modules=""
if [ ! -e node_modules ] && [ -d "$PACKED/node_modules/tsx" ]; then
  ln -s "$PACKED/node_modules" node_modules && linked_modules=1
  echo "using the packed modules in $PACKED"
elif [ ! -d node_modules/tsx ]; then
  echo "no node_modules: trying npm ci (needs the npm registry)"
  ELECTRON_SKIP_BINARY_DOWNLOAD=1 timeout 300 npm ci --no-audit --no-fund >/dev/null 2>&1 || {
    echo "npm ci failed: run 'bench/gpu-check.sh --pack' on a machine with node_modules and carry $PACKED" >&2
    exit 1
  }
fi
[ -n "$linked_modules" ] && trap 'rm -f node_modules' EXIT

section "GPU and Vulkan"
if have nvidia-smi; then
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
else
  echo "nvidia-smi: not found"
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libvulkan.so.1 '; then
  if [ -e "$PACKED/lib/libvulkan.so.1" ]; then
    export LD_LIBRARY_PATH="$PWD/$PACKED/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
    echo "Vulkan loader: the packed libvulkan.so.1"
  elif have apt-get && [ "$(id -u)" -eq 0 ]; then
    timeout 90 apt-get install -y -qq --no-install-recommends libvulkan1 >/dev/null 2>&1 && echo "Vulkan loader: installed libvulkan1" || echo "Vulkan loader: missing (libvulkan.so.1), and apt-get could not install it"
  else
    echo "Vulkan loader: missing (libvulkan.so.1)"
  fi
else
  echo "Vulkan loader: $(ldconfig -p | grep -m1 'libvulkan.so.1 ' | sed 's/.*=> //')"
fi
icds="$(ls /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json 2>/dev/null | tr '\n' ' ')"
echo "Vulkan drivers (ICDs): ${icds:-none}"
# NVIDIA's Vulkan driver lives in libGLX_nvidia; containers often mount it without its ICD file.
if ! grep -qs nvidia /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json; then
  nvidia_glx="$(ldconfig -p 2>/dev/null | grep -m1 'libGLX_nvidia.so.0 ' | sed 's/.*=> //')"
  if [ -n "$nvidia_glx" ]; then
    icd="$RESULTS/nvidia_icd.json"
    printf '{"file_format_version":"1.0.0","ICD":{"library_path":"%s","api_version":"1.3"}}\n' "$nvidia_glx" >"$icd"
    export VK_DRIVER_FILES="$PWD/$icd" VK_ICD_FILENAMES="$PWD/$icd"
    echo "NVIDIA Vulkan ICD: none installed; using $nvidia_glx through $icd"
  elif have nvidia-smi; then
    echo "NVIDIA Vulkan driver: libGLX_nvidia.so.0 not present (in a container, NVIDIA_DRIVER_CAPABILITIES needs 'graphics'): WebGPU will not see this GPU"
  fi
fi

section "backends (temper doctor --json)"
timeout 120 node --import tsx --input-type=module -e "
  const { backendVersions, releaseBackend, surveyBackends } = await import('./src-main/engine/backend.ts');
  const { selected, backends } = await surveyBackends('auto');
  await releaseBackend();
  console.log(JSON.stringify({ selected: selected.name, device: selected.device, adapter: selected.adapter, backends, versions: backendVersions() }, null, 1));
" 2>&1 | grep -v 'artificially reduced' | tee "$RESULTS/doctor.json"

section "ResNet-20 gradients: webgpu vs cpu"
timeout 200 node --import tsx test/engine/webgpu/fixtures/gradient-check.ts 2>&1 | grep -v 'artificially reduced' | tee "$RESULTS/gradients.txt"
[ "${PIPESTATUS[0]}" -eq 0 ] || { status=1; echo "gradient check FAILED (or no WebGPU adapter)"; }

section "ResNet-20 training throughput at batch 128: webgpu vs wasm"
workers=$(( $(nproc) < 8 ? $(nproc) : 8 ))
timeout 400 node --import tsx bench/webgpu-throughput.ts --model resnet20 --batch 128 --steps 6 --workers "$workers" --timeout 110 \
  --json "$RESULTS/throughput.json" 2>&1 | grep -v 'artificially reduced' | tee "$RESULTS/throughput.txt"
grep -Eq '^\| webgpu +\| fp +\| 1 +\| [0-9.]+ ' "$RESULTS/throughput.txt" || { status=1; echo "webgpu benchmark FAILED"; }

section "done: $([ "$status" -eq 0 ] && echo PASS || echo FAIL); results in $RESULTS"
exit "$status"
