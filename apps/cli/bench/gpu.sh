#!/usr/bin/env bash
# The prepared GPU check: times the saddle-node MDN step, the flow-matching step and 10⁵-point
# sampling on WebGPU (Dawn: Vulkan on an NVIDIA machine) beside the CPU path, and prints a table.
# Needs only the workspace's install (`npx -y pnpm@12.4.2 install`); downloads nothing. About
# 3 minutes with a GPU (each row is timed for ~20 s). `--quick`: a small smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."  # apps/cli
if command -v nvidia-smi >/dev/null; then nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; fi
if command -v vulkaninfo >/dev/null; then vulkaninfo --summary 2>/dev/null | grep -E "deviceName|driverName" || true; fi
exec node --import tsx --conditions=@polymodal/source bench/gpu-check.ts "$@"
