#!/usr/bin/env bash
# A single-node Slurm on localhost, for the scale-out test (tests/slurm.rs) and for
# trying the job scripts beside this file on one machine.
#
#   scripts/slurm/local-cluster.sh install     # Debian's packages, when missing (root)
#   scripts/slurm/local-cluster.sh up DIR      # start munged, slurmctld, slurmd; DIR holds
#                                              # slurm.conf, state, logs and the daemons' PIDs
#   export SLURM_CONF=DIR/slurm.conf           # every client command needs it
#   scripts/slurm/local-cluster.sh down DIR    # stop the daemons by PID
#
# Every daemon runs in the foreground (-F/-D) as a background child, so its PID is
# known and it is stopped by that PID; nothing is left behind in DIR's absence.
# Choices that matter on a container or VM without an init system:
# - proctrack/linuxproc: the default proctrack/cgroup fails without a usable
#   freezer cgroup, and a job then "completes" without running and drains the node;
# - the node line comes from `slurmd -C` (more memory or CPUs than it sees makes
#   the node invalid);
# - select/cons_tres with CR_Core, so array tasks run side by side;
# - scheduling every second, so a test does not wait on the default intervals;
# - root runs everything, so no slurm-owned directories are needed.
set -euo pipefail

die() { echo "local-cluster: $*" >&2; exit 1; }

install_packages() {
    if command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
        && command -v sbatch >/dev/null && command -v munged >/dev/null; then
        return 0
    fi
    command -v apt-get >/dev/null || die "Slurm is not installed and apt-get is not available"
    # Package scripts try to start the services, and there is no init system.
    [ -e /usr/sbin/policy-rc.d ] || { printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; }
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        slurmctld slurmd slurm-client munge >/dev/null
}

write_conf() {
    local dir=$1 node
    node=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]*/NodeName=localhost NodeAddr=127.0.0.1/')
    mkdir -p "$dir"/state "$dir"/spool "$dir"/log
    cat > "$dir/slurm.conf" <<CONF
ClusterName=attrition
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=1,bf_interval=1
ReturnToService=2
MailProg=/bin/true
SlurmctldPort=6817
SlurmdPort=6818
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
$node State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
}

up() {
    local dir=$1
    [ -d "$dir" ] || die "$dir is not a directory"
    dir=$(cd "$dir" && pwd)
    write_conf "$dir"
    export SLURM_CONF="$dir/slurm.conf"
    [ -s /etc/munge/munge.key ] || mungekey --create --keyfile=/etc/munge/munge.key
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
    install -d -o munge -g munge -m 0755 /run/munge
    install -d -o munge -g munge -m 0700 /var/lib/munge /var/log/munge
    # Without munged, slurmd loops, ignores SIGTERM and clients hang: start it first.
    setpriv --reuid=munge --regid=munge --init-groups /usr/sbin/munged -F >"$dir/log/munged.out" 2>&1 &
    echo $! > "$dir/munged.pids"
    local ready=""
    for _ in $(seq 50); do
        if munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then ready=1; break; fi
        sleep 0.1
    done
    [ -n "$ready" ] || { cat "$dir/log/munged.out" >&2; die "munged did not start"; }
    slurmctld -D -i -f "$SLURM_CONF" >"$dir/log/slurmctld.out" 2>&1 &
    echo $! >> "$dir/munged.pids"
    slurmd -D -N localhost -f "$SLURM_CONF" >"$dir/log/slurmd.out" 2>&1 &
    echo $! >> "$dir/munged.pids"
    # slurmd first, then slurmctld, then munged: the order `down` stops them in.
    tac "$dir/munged.pids" > "$dir/pids" && rm "$dir/munged.pids"
    local state=""
    for _ in $(seq 100); do
        state=$(timeout 5 sinfo -h -N -o '%t' 2>/dev/null || true)
        [ "$state" = idle ] && break
        sleep 0.2
    done
    [ "$state" = idle ] || { tail -5 "$dir"/log/*.out >&2; down "$dir"; die "the node did not become idle (state '$state')"; }
    echo "local-cluster: up; export SLURM_CONF=$SLURM_CONF"
}

down() {
    local dir=$1 pid
    [ -s "$dir/pids" ] || return 0
    for pid in $(cat "$dir/pids"); do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in $(cat "$dir/pids"); do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    done
    rm -f "$dir/pids"
}

case "${1:-}" in
    install) install_packages ;;
    up) [ $# -eq 2 ] || die "usage: $0 up DIR"; up "$2" ;;
    down) [ $# -eq 2 ] || die "usage: $0 down DIR"; down "$2" ;;
    *) die "usage: $0 install | up DIR | down DIR" ;;
esac
