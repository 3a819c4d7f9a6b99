#!/usr/bin/env bash
# Smoke test of examples/slurm-sweep.sbatch under a real, single-node Slurm on this machine.
#
#   sudo scripts/slurm-smoke.sh            # as root, Debian/Ubuntu
#
# If Slurm is not answering already, this installs slurm-wlm + munge (apt-get), writes a minimal
# one-node /etc/slurm/slurm.conf (only where none exists), and starts munged, slurmctld and slurmd by
# hand (no systemd needed). It then writes a two-entry sweep plan, submits the example sbatch script as
# a 2-task array, waits, checks both result.json files and the logs, resubmits the same array and
# checks that both tasks only report "was finished already: nothing to do". The daemons it started are
# stopped on exit (a cluster that was already running is left alone).
#
# Environment: WORK (scratch dir, default /tmp/slurm-smoke), SBATCH_EXTRA (extra sbatch options,
# e.g. "--mem=2G --cpus-per-task=1"), WAIT_S (per-array timeout, default 900), KEEP_SLURM=1 (leave the
# daemons running).
set -euo pipefail
shopt -s inherit_errexit

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RESLAB="$ROOT/bin/reslab"
SBATCH_SCRIPT="$ROOT/examples/slurm-sweep.sbatch"
WORK=${WORK:-/tmp/slurm-smoke}
SBATCH_EXTRA=${SBATCH_EXTRA:-}
WAIT_S=${WAIT_S:-900}
HOST=$(hostname -s)
CONF=/etc/slurm/slurm.conf

log() { echo "slurm smoke: $*"; }
fail() { echo "slurm smoke: FAILED: $*" >&2; exit 1; }

STARTED=()   # "name:pidfile" of the daemons this script started
cleanup() {
  local rc=$?
  if [[ ${KEEP_SLURM:-0} != 1 ]]; then
    local i entry name pidfile pid
    for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
      entry=${STARTED[$i]}; name=${entry%%:*}; pidfile=${entry#*:}
      pid=$(cat "$pidfile" 2>/dev/null || true)
      if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
        log "stopping $name (pid $pid)"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 20); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      fi
    done
  fi
  exit "$rc"
}
trap cleanup EXIT

[[ $(id -u) == 0 ]] || fail "run as root (it installs and starts Slurm)"
[[ -x $RESLAB ]] || fail "$RESLAB missing"
[[ -f $ROOT/dist/kernel-ext/cli.js ]] || fail "$ROOT/dist not built (npm run build first)"
[[ -f $SBATCH_SCRIPT ]] || fail "$SBATCH_SCRIPT missing"

slurm_up() { command -v sinfo >/dev/null 2>&1 && timeout 10 sinfo -h >/dev/null 2>&1; }

# ---- 1. Slurm: install, configure, start (only what is missing) ----------------------------------
if slurm_up; then
  log "Slurm already answering: using the running cluster"
else
  if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v sbatch >/dev/null \
     || ! command -v munged >/dev/null; then
    log "installing slurm-wlm and munge"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
  fi

  # munge key + daemon
  if [[ ! -s /etc/munge/munge.key ]]; then
    log "creating munge key"
    if command -v mungekey >/dev/null; then mungekey --create --keyfile=/etc/munge/munge.key --force
    else /usr/sbin/create-munge-key -f; fi
  fi
  chown munge:munge /etc/munge/munge.key; chmod 600 /etc/munge/munge.key
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge; chmod 755 /run/munge
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    log "starting munged"
    runuser -u munge -- /usr/sbin/munged
    STARTED+=("munged:/run/munge/munged.pid")
    for _ in $(seq 1 20); do munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break; sleep 0.5; done
    munge -n | unmunge >/dev/null || fail "munged does not answer (see /var/log/munge/munged.log)"
  fi

  # minimal one-node config
  if [[ ! -f $CONF ]]; then
    cpus=$(nproc)
    mem_mb=$(( $(awk '/MemTotal/ {print $2}' /proc/meminfo) / 1024 ))
    real_mb=$(( mem_mb * 85 / 100 ))   # under the real size, else slurmd drains the node
    log "writing $CONF (node $HOST, CPUs=$cpus, RealMemory=$real_mb)"
    mkdir -p /etc/slurm
    cat >"$CONF" <<EOF
# Written by ResLab scripts/slurm-smoke.sh: a minimal single-node cluster.
ClusterName=reslab-smoke
SlurmctldHost=$HOST
SlurmUser=root
AuthType=auth/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
SchedulerType=sched/backfill
StateSaveLocation=/var/spool/slurmctld
SlurmdSpoolDir=/var/spool/slurmd
SlurmctldPidFile=/run/slurmctld.pid
SlurmdPidFile=/run/slurmd.pid
SlurmctldLogFile=/var/log/slurm/slurmctld.log
SlurmdLogFile=/var/log/slurm/slurmd.log
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
NodeName=$HOST CPUs=$cpus RealMemory=$real_mb State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
  fi
  mkdir -p /var/spool/slurmctld /var/spool/slurmd /var/log/slurm

  if ! pgrep -x slurmctld >/dev/null; then
    log "starting slurmctld"
    slurmctld || fail "slurmctld did not start (see /var/log/slurm/slurmctld.log)"
    STARTED+=("slurmctld:/run/slurmctld.pid")
  fi
  if ! pgrep -x slurmd >/dev/null; then
    log "starting slurmd"
    slurmd || fail "slurmd did not start (see /var/log/slurm/slurmd.log)"
    STARTED+=("slurmd:/run/slurmd.pid")
  fi
fi

# wait for the node to be usable
state=""
for _ in $(seq 1 60); do
  state=$(sinfo -h -n "$HOST" -o '%T' 2>/dev/null | head -1 || true)
  [[ $state == idle* || $state == mix* || $state == alloc* ]] && break
  sleep 1
done
sinfo || true
[[ $state == idle* || $state == mix* || $state == alloc* ]] \
  || fail "node $HOST not usable (state '${state:-none}'); see scontrol show node $HOST and /var/log/slurm/"
log "node $HOST is $state"

# ---- 2. the sweep, twice --------------------------------------------------------------------------
rm -rf "$WORK"; mkdir -p "$WORK"
PLAN=$WORK/plan.json
RESULTS=$WORK/results
"$RESLAB" sweep plan --blocks 1,2 --seeds 0 --n 100 --epochs 1 --widths 2,4,4 --out "$PLAN" >/dev/null
n=$(node -e 'console.log(require(process.argv[1]).entries.length)' "$PLAN")
[[ $n == 2 ]] || fail "plan has $n entries, expected 2"

# submit the array, wait for it to leave the queue, print and check each task's state
run_array() {
  local label=$1 jobid t0 t1 line st ec
  # shellcheck disable=SC2086
  jobid=$(RESLAB="$RESLAB" sbatch --parsable --export=ALL --array=0-1 --chdir="$WORK" $SBATCH_EXTRA \
    "$SBATCH_SCRIPT" "$PLAN" "$RESULTS")
  jobid=${jobid%%;*}
  echo "  [$label] submitted: RESLAB=$RESLAB sbatch --export=ALL --array=0-1 --chdir=$WORK $SBATCH_EXTRA $SBATCH_SCRIPT $PLAN $RESULTS -> job $jobid" >&2
  t0=$(date +%s)
  while squeue -h -j "$jobid" 2>/dev/null | grep -q .; do
    (( $(date +%s) - t0 < WAIT_S )) || { scancel "$jobid" || true; fail "[$label] job $jobid still queued/running after ${WAIT_S}s"; }
    sleep 2
  done
  t1=$(date +%s)
  echo "  [$label] array $jobid left the queue after $((t1 - t0))s" >&2
  for i in 0 1; do
    line=$(scontrol -o show job "${jobid}_$i" 2>/dev/null || true)
    st=$(grep -o 'JobState=[A-Z_]*' <<<"$line" | head -1); ec=$(grep -o ' ExitCode=[0-9:]*' <<<"$line" | head -1)
    echo "  [$label] task $i: $st$ec RunTime=$(grep -o 'RunTime=[0-9:-]*' <<<"$line" | head -1 | cut -d= -f2)" \
      "Start=$(grep -o 'StartTime=[^ ]*' <<<"$line" | cut -d= -f2) End=$(grep -o 'EndTime=[^ ]*' <<<"$line" | cut -d= -f2)" >&2
    [[ -z $line || $st == JobState=COMPLETED ]] || { cat "$WORK/reslab-sweep-${jobid}_$i.out" >&2 2>/dev/null || true; fail "[$label] task $i: $st$ec"; }
    [[ -f $WORK/reslab-sweep-${jobid}_$i.out ]] || fail "[$label] no log $WORK/reslab-sweep-${jobid}_$i.out"
    echo "  ---- $WORK/reslab-sweep-${jobid}_$i.out" >&2
    sed 's/^/  | /' "$WORK/reslab-sweep-${jobid}_$i.out" >&2
  done
  echo "$jobid"
}

log "first submission (runs both entries)"
job1=$(run_array first)
for id in L1-seed0 L2-seed0; do
  [[ -s $RESULTS/$id/result.json ]] || fail "missing $RESULTS/$id/result.json"
  node -e 'JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"))' "$RESULTS/$id/result.json" \
    || fail "$RESULTS/$id/result.json is not JSON"
done
for i in 0 1; do
  grep -q "^entry $i .* done on " "$WORK/reslab-sweep-${job1}_$i.out" || fail "task $i of job $job1 did not report 'done on'"
done
log "both result.json files written"

log "second submission (everything finished: should skip)"
job2=$(run_array second)
for i in 0 1; do
  grep -q "was finished already: nothing to do" "$WORK/reslab-sweep-${job2}_$i.out" \
    || fail "task $i of job $job2 did not say 'was finished already: nothing to do'"
done

log "OK"
