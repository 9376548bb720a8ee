#!/bin/bash
# Submits a K-shard study and its merge:
#
#   scripts/slurm/submit.sh K SCENARIO OUT [run flags...]
#
# prints the array's and the merge's job IDs. The merge runs only if every shard
# succeeded (afterok), and is cancelled rather than left pending if one failed.
# ATTRITION names the binary (default: attrition on PATH), CPUS_PER_TASK the cores
# of each task (default 2; each task's --threads follows it); sbatch options such
# as --partition or --account go in the SBATCH_* environment variables that sbatch
# reads (SBATCH_PARTITION, SBATCH_ACCOUNT).
set -euo pipefail
[ $# -ge 3 ] || { echo "usage: $0 K SCENARIO OUT [run flags...]" >&2; exit 2; }
shards=$1 scenario=$2 out=$3
shift 3
[[ $shards =~ ^[1-9][0-9]*$ ]] || { echo "$0: K must be a positive whole number, not '$shards'" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out/shards"
cpus=${CPUS_PER_TASK:-2}
array=$(sbatch --parsable --array="0-$((shards - 1))" --cpus-per-task="$cpus" "$here/shard.sbatch" "$scenario" "$out" "$@")
array=${array%%;*}
merge=$(sbatch --parsable --cpus-per-task="$cpus" --dependency="afterok:$array" --kill-on-invalid-dep=yes "$here/merge.sbatch" "$out")
merge=${merge%%;*}
echo "$array $merge"
