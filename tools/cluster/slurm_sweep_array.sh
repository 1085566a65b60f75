#!/usr/bin/env bash
# An ef21sim sweep as a Slurm job array: task I of N runs every N-th grid point
# (`--shard I/N`) into one shared directory; once every task has succeeded, one more job
# writes sweep.csv without running anything (`--resume`). The same works for `ef21sim tune`
# (shards take whole groups): set COMMAND=tune.
#
# Submit from the repository root, on a filesystem every node sees:
#   jid=$(sbatch --parsable --array=0-7 tools/cluster/slurm_sweep_array.sh SWEEP ARGS...)
#   sbatch --dependency=afterok:$jid tools/cluster/slurm_sweep_array.sh assemble SWEEP ARGS...
# SWEEP ARGS are those of `ef21sim sweep` without --out/--shard/--resume/--jobs, e.g.
#   scenarios/paper/a9a.toml --grid algorithm.kind=ef,ef21 --grid algorithm.multiplier=1,2,4,8
# Environment: OUT (default results/cluster-sweep), EF21SIM (default build/tools/ef21sim),
# COMMAND (sweep or tune; default sweep). Each task uses its --cpus-per-task as --jobs.
# A failed or preempted task is simply run again (`scontrol requeue`, or a new array with
# the same arguments): a shard resumes its share.
#
# Without Slurm the same script runs a task by hand (this is what has been run here):
#   SLURM_ARRAY_TASK_ID=1 SLURM_ARRAY_TASK_COUNT=3 tools/cluster/slurm_sweep_array.sh SWEEP ARGS...
#
#SBATCH --job-name=ef21sim-sweep
#SBATCH --cpus-per-task=2
#SBATCH --time=02:00:00
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail

EF21SIM=${EF21SIM:-build/tools/ef21sim}
OUT=${OUT:-results/cluster-sweep}
COMMAND=${COMMAND:-sweep}

if [ "${1:-}" = assemble ]; then
  shift
  exec "$EF21SIM" "$COMMAND" "$@" --out "$OUT" --resume --jobs "${SLURM_CPUS_PER_TASK:-1}"
fi
if [ $# -eq 0 ]; then
  echo "usage: $0 [assemble] SCENARIO.toml --grid KEY=V1,V2,... (see the comments at the top)" >&2
  exit 2
fi
: "${SLURM_ARRAY_TASK_ID:?not a job-array task: submit with sbatch --array=0-N, or set SLURM_ARRAY_TASK_ID}"
: "${SLURM_ARRAY_TASK_COUNT:?not a job-array task: submit with sbatch --array=0-N, or set SLURM_ARRAY_TASK_COUNT}"
exec "$EF21SIM" "$COMMAND" "$@" --out "$OUT" --shard "$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT" \
  --jobs "${SLURM_CPUS_PER_TASK:-1}" --quiet
